import type { Readable } from 'node:stream';

/**
 * What the portal needs from the other parts, in the portal's words. The real bindings are
 * workflows/client (downloads, settlements, operator actions, readers) and ledger/queries
 * (balances); `buildPortal` takes them as these ports so that the pages do not depend on how the
 * other parts are built. Amounts cross this boundary as bigint minor units.
 */

export type Purse = 'ecash' | 'food';
export type DownloadMode = 'connected' | 'offline';

export interface AccountBalance {
  readonly purse: Purse;
  readonly currency: string;
  /** What can be downloaded now. */
  readonly availableMinor: bigint;
  /** Held by downloads in progress (pending transfers). */
  readonly reservedMinor: bigint;
}

export interface CardSummary {
  /** Card serial number, 16 digits. */
  readonly csn: string;
  readonly maxBalanceMinor: bigint;
  readonly blocked: boolean;
  readonly purses: readonly { readonly purse: Purse; readonly lastKnownMinor: bigint | null }[];
}

export interface ReaderSummary {
  readonly readerId: string;
  readonly label: string;
}

/** The steps of a download as the page shows them (design.md, DownloadWorkflow). */
export type DownloadStep =
  | 'started'
  | 'waiting_for_request_code'
  | 'card_read'
  | 'money_reserved'
  | 'waiting_for_confirmation_code'
  | 'card_credited'
  | 'posted'
  | 'voided'
  | 'failed'
  | 'needs_operator';

export interface DownloadView {
  readonly downloadId: string;
  readonly customerId: string;
  readonly csn: string;
  readonly purse: Purse;
  readonly amountMinor: bigint;
  readonly mode: DownloadMode;
  readonly step: DownloadStep;
  /** Grows with every change of state; the live stream sends it as the SSE event id. */
  readonly version: number;
  /** Set once the request code was accepted and money reserved (offline mode only). */
  readonly authorizationCode: string | null;
  readonly wrongCodes: number;
  /** Plain-words outcome or reason once the download has ended or stalled. */
  readonly outcome: string | null;
  readonly finished: boolean;
  readonly startedAt: Date;
}

export interface StartDownload {
  /** Chosen by the portal; the workflow id derives from it so a double submit starts one download. */
  readonly requestId: string;
  readonly customerId: string;
  readonly csn: string;
  readonly purse: Purse;
  readonly amountMinor: bigint;
  readonly mode: DownloadMode;
  readonly readerId: string | null;
}

/** A refusal from a workflow's update validator or handler: shown to the person as it is. */
export class WorkflowRefusal extends Error {
  override readonly name = 'WorkflowRefusal';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type SettlementVerdict = 'accepted' | 'refused';

export interface SettlementRecordView {
  readonly index: number;
  readonly csn: string;
  readonly purse: Purse;
  readonly amountMinor: bigint;
  readonly verdict: SettlementVerdict;
  readonly reason: string | null;
}

export interface SettlementView {
  readonly settlementId: string;
  readonly merchantId: string;
  readonly fileName: string;
  readonly state: 'running' | 'settled' | 'rejected';
  /** Money credited to the merchant per purse (accepted records only). */
  readonly totals: readonly { readonly purse: Purse; readonly acceptedMinor: bigint }[];
  readonly recordCount: number;
  readonly acceptedCount: number;
  readonly refusedCount: number;
  readonly reason: string | null;
  readonly startedAt: Date;
}

export interface StartSettlement {
  readonly merchantId: string;
  readonly fileName: string;
  /** The uploaded bytes, streamed: never held whole in memory. */
  readonly content: Readable;
  readonly maxBytes: number;
  readonly maxRecords: number;
}

export type AttentionKind = 'download_stuck' | 'settlement_stuck' | 'code_entry_locked' | 'card_flagged';
export type OperatorAction = 'retry' | 'resolve' | 'void' | 'unlock';

export interface AttentionItem {
  readonly workflowId: string;
  readonly kind: AttentionKind;
  readonly summary: string;
  readonly since: Date;
  readonly evidence: readonly string[];
  readonly actions: readonly OperatorAction[];
  /** A download's card log as its workflow read it (attentionDetail only; absent in the list). */
  readonly cardLog?: CardLogEvidence;
}

/**
 * The card's log as a connected download read it when the log could not prove the load either
 * way (the record rolled out of the 10-record log, or the record at this ATC is not this load).
 * Log records hold no key and no code: they are shown in full.
 */
export interface CardLogEvidence {
  readonly readerId: string;
  readonly readAt: Date;
  /** The newest record's ATC on the card. */
  readonly atcCard: number;
  readonly reason: 'rolled_out_of_log' | 'record_mismatch';
  /** Newest first, as READ LOG returned them. */
  readonly records: readonly CardLogRecord[];
}

export interface CardLogRecord {
  /** The 28 bytes as hex: what an operator hands back as evidence. */
  readonly hex: string;
  /** null when the bytes are not a log record (shown as hex only). */
  readonly decoded: {
    readonly atc: number;
    readonly kind: 'load' | 'purchase';
    readonly purse: Purse;
    readonly amountMinor: bigint;
    readonly balanceAfterMinor: bigint;
  } | null;
}

/**
 * Implementations throw PortalError('workflows_unavailable') when Temporal does not answer, and
 * WorkflowRefusal when a workflow's validator refuses; the pages show both as they are.
 */
export interface WorkflowsPort {
  /** Throws when Temporal cannot be reached (for /readyz). */
  checkReachable(): Promise<void>;
  cardsOf(customerId: string): Promise<readonly CardSummary[]>;
  onlineReadersOf(customerId: string): Promise<readonly ReaderSummary[]>;
  startDownload(request: StartDownload): Promise<DownloadView>;
  /** null when there is no such download. Ownership is checked by the portal. */
  download(downloadId: string): Promise<DownloadView | null>;
  downloadsOf(customerId: string): Promise<readonly DownloadView[]>;
  /** Update with validator; `updateId` makes a double submit harmless. Throws WorkflowRefusal. */
  submitRequestCode(downloadId: string, requestCode: string, updateId: string): Promise<DownloadView>;
  submitConfirmationCode(downloadId: string, confirmationCode: string, updateId: string): Promise<DownloadView>;
  /** "The Pocket says it was not loaded": a fresh request code with the same ATC proves it. */
  reportNotLoaded(downloadId: string, requestCode: string, updateId: string): Promise<DownloadView>;
  startSettlement(request: StartSettlement): Promise<SettlementView>;
  settlement(settlementId: string): Promise<SettlementView | null>;
  settlementRecords(settlementId: string, filter: { verdict?: SettlementVerdict; offset: number; limit: number }): Promise<readonly SettlementRecordView[]>;
  settlementsOf(merchantId: string): Promise<readonly SettlementView[]>;
  /** What needs a person, from what is cheap to list (visibility, tables): no per-item workflow calls. */
  needsAttention(): Promise<readonly AttentionItem[]>;
  /** The item with the evidence its workflow adds (its state, the steps it waits on), for one item opened on its own. */
  attentionDetail(item: AttentionItem): Promise<AttentionItem>;
  operatorAction(workflowId: string, action: OperatorAction, evidence: string, operator: string, updateId: string): Promise<string>;
}

export interface LedgerPort {
  balancesOf(customerId: string): Promise<readonly AccountBalance[]>;
}
