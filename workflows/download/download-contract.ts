// What DownloadWorkflow promises the outside world: its input, its state as the query shows it,
// its messages, its failure codes and its search attributes. Imported by the workflow (inside the
// sandbox), by the client side and by the portal, so it holds no Node-only code.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export type PurseName = 'ecash' | 'food';
export type DownloadMode = 'connected' | 'offline';

/** Time-outs and intervals, in milliseconds, so that tests can shorten them. */
export interface DownloadTiming {
  /** How long a reader task may wait for the reader agent to pick it up (reader offline → refused before the credit, or retried during recovery). */
  readerPickupMs: number;
  /** How long one card step on the reader may take (a command, or waiting for the card to be presented). */
  cardStepMs: number;
  /**
   * A card step whose reader agent stops heartbeating for this long counts as lost (the agent died
   * or its PC froze): an INITIALIZE LOAD is refused, a CREDIT LOAD is proven from the card's log.
   */
  cardHeartbeatMs: number;
  /** Between two automatic attempts to read back a card whose load is in doubt. */
  recoveryRetryMs: number;
  /** Offline: after this long without the confirmation code the download shows a reminder. */
  remindAfterMs: number;
  /** After this long waiting for the customer or the card, the download is flagged for an operator. */
  operatorAfterMs: number;
}

export const DEFAULT_TIMING: DownloadTiming = {
  readerPickupMs: 30_000,
  cardStepMs: 60_000,
  cardHeartbeatMs: 15_000,
  recoveryRetryMs: 5 * 60_000,
  remindAfterMs: 24 * 60 * 60_000,
  operatorAfterMs: 3 * 24 * 60 * 60_000,
};

export interface DownloadInput {
  /** The caller's request id; the workflow id is `download-<requestId>`. */
  requestId: string;
  /** 16 digits, no spaces. */
  csn: string;
  purse: PurseName;
  /** Minor units as a decimal string ("25000" for 250.00): never a JS number. */
  amountMinor: string;
  mode: DownloadMode;
  /** Connected mode: the reader holding the card (task queue `reader-<readerId>`). */
  readerId?: string;
  /**
   * The customer asking (the portal's signed-in customer). When set, a card registered to anyone
   * else is refused with `card_not_yours` before anything about it (funds, owner) is looked at.
   */
  customerId?: string;
  timing?: Partial<DownloadTiming>;
}

export const WRONG_CODES_BEFORE_LOCK = 5;

/**
 * The states a download passes through; `PurseflowState` carries the same word so operators can
 * filter on it. Stuck ones are `awaiting_card`, `awaiting_confirmation`, `locked`, `needs_operator`.
 */
export type DownloadPhase =
  | 'checking_card'
  | 'reading_card'
  | 'reserving'
  | 'crediting'
  | 'awaiting_card'
  | 'awaiting_request_code'
  | 'awaiting_confirmation'
  | 'locked'
  | 'needs_operator'
  | 'posting'
  | 'voiding'
  | 'posted'
  | 'voided'
  | 'failed';

export const STUCK_PHASES: readonly DownloadPhase[] = ['awaiting_card', 'awaiting_confirmation', 'locked', 'needs_operator'];

/** Why a download was refused before any money was reserved, or why a code was refused. */
export type DownloadFailureCode =
  | 'card_unknown'
  | 'card_blocked'
  | 'card_not_yours'
  | 'card_not_genuine'
  | 'wrong_card'
  | 'insufficient_funds'
  | 'over_purse_limit'
  | 'reader_offline'
  | 'card_absent'
  | 'card_unreadable'
  | 'request_code_timeout'
  | 'input_invalid';

export type CodeRefusal = 'format' | 'check_digit' | 'mac_mismatch' | 'locked' | 'not_expected' | 'atc_moved_on' | 'download_failed';

export interface DownloadEvent {
  /** Workflow time, ISO 8601. */
  at: string;
  phase: DownloadPhase;
  note: string;
}

export interface DownloadState {
  requestId: string;
  csn: string;
  purse: PurseName;
  amountMinor: string;
  mode: DownloadMode;
  phase: DownloadPhase;
  customerId?: string;
  readerId?: string;
  /** The card's ATC of this load, once the card told it. */
  atc?: number;
  /** The pending transfer, once reserved. */
  reservationId?: string;
  /** Offline: only set once the reservation exists (the code unlocks money). */
  authorizationCode?: string;
  wrongCodes: number;
  /** Offline: how many reminders were shown so far. */
  reminders: number;
  newBalanceMinor?: string;
  /** How the outcome was proven (MAC3, log record, confirmation code, request code, operator). */
  proof?: string;
  failure?: { code: DownloadFailureCode; message: string };
  /** Why an operator is needed, when one is. */
  operatorReason?: string;
  /**
   * Connected: the card's log as read when it could not prove this load either way (the record
   * rolled out of the 10-record log, or a record at this ATC that is not this load): the evidence an
   * operator starts from. Not secret: log records hold no key.
   */
  logEvidence?: LogEvidence;
  history: DownloadEvent[];
}

export interface LogEvidence {
  readerId: string;
  /** Workflow time, ISO 8601. */
  readAt: string;
  /** ATC_card: the newest record's ATC. */
  atcCard: number;
  reason: 'rolled_out_of_log' | 'record_mismatch';
  /** READ LOG 1..n, newest first, 28 bytes each as hex. */
  recordsHex: string[];
}

export interface DownloadResult {
  requestId: string;
  outcome: 'posted' | 'voided';
  csn: string;
  purse: PurseName;
  amountMinor: string;
  atc?: number;
  reservationId?: string;
  newBalanceMinor?: string;
  proof: string;
}

/** What an operator or customer offers as proof of a load's fate. */
export type Evidence =
  /** The pocket's confirmation code (DIGITS8(MAC3) ‖ Luhn): proves the credit. */
  | { kind: 'confirmation_code'; code: string }
  /** A READ LOG record (28 bytes, hex) with this load's ATC and MAC3: proves the credit. */
  | { kind: 'log_record'; recordHex: string }
  /** A fresh request code from the card showing this load's ATC again: proves it was not credited. */
  | { kind: 'request_code'; code: string }
  /** The last resort when the card cannot prove anything (log rolled over, card destroyed). Only accepted once the download needs an operator. */
  | { kind: 'operator_attestation'; operator: string; reference: string };

export interface CodeAnswer {
  accepted: boolean;
  phase: DownloadPhase;
  /** Offline request code accepted: the 9-digit authorization code for the pocket. */
  authorizationCode?: string;
  refusal?: CodeRefusal;
  message?: string;
  wrongCodes: number;
}

export const downloadStateQuery = defineQuery<DownloadState>('downloadState');
/** Offline: the request code the pocket shows after INITIALIZE LOAD. */
export const submitRequestCodeUpdate = defineUpdate<CodeAnswer, [code: string]>('submitRequestCode');
/** Offline: the confirmation code the pocket shows after CREDIT LOAD. */
export const submitConfirmationCodeUpdate = defineUpdate<CodeAnswer, [code: string]>('submitConfirmationCode');
/** Offline: "the card was not loaded, give the money back", proven by a fresh request code with the same ATC. */
export const reportNotLoadedUpdate = defineUpdate<CodeAnswer, [code: string]>('reportNotLoaded');
/** A reader agent saw this download's card: read its log there. */
export const cardPresentedSignal = defineSignal<[{ readerId: string }]>('cardPresented');
/** Operator: try the stuck step again now (also unlocks a download locked by wrong codes). */
export const retryNowSignal = defineSignal<[{ operator: string; readerId?: string }]>('retryNow');
/** Operator: settle the download with proof. */
export const resolveWithEvidenceUpdate = defineUpdate<DownloadState, [{ operator: string; evidence: Evidence }]>('resolveWithEvidence');
/** Operator: void the reservation with proof that the card was not credited. */
export const voidWithEvidenceUpdate = defineUpdate<DownloadState, [{ operator: string; evidence: Evidence }]>('voidWithEvidence');

export const SEARCH_ATTRIBUTE = {
  state: defineSearchAttributeKey('PurseflowState', SearchAttributeType.KEYWORD),
  kind: defineSearchAttributeKey('PurseflowKind', SearchAttributeType.KEYWORD),
  cardSerial: defineSearchAttributeKey('CardSerial', SearchAttributeType.KEYWORD),
  customerId: defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD),
  merchantId: defineSearchAttributeKey('MerchantId', SearchAttributeType.KEYWORD),
  readerId: defineSearchAttributeKey('ReaderId', SearchAttributeType.KEYWORD),
  amountMinor: defineSearchAttributeKey('AmountMinor', SearchAttributeType.INT),
} as const;

export const DOWNLOAD_KIND = 'download';

export function downloadWorkflowId(requestId: string): string {
  return `download-${requestId}`;
}

export function readerTaskQueue(readerId: string): string {
  return `reader-${readerId}`;
}

export const REQUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
export const READER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** The registry's customer ids. */
export const CUSTOMER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The task queue of the server worker: the one place both the worker and the client side take it from. */
export const SERVER_TASK_QUEUE = 'purseflow-server';
