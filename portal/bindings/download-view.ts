import type { DownloadPhase, DownloadState } from '../../workflows/client';
import type { DownloadStep, DownloadView } from '../ports';

/**
 * DownloadWorkflow's state (workflows/client) in the portal's words. Pure, so every phase's
 * mapping is tested without Temporal.
 */
const STEP_OF_PHASE: Record<DownloadPhase, DownloadStep> = {
  checking_card: 'started',
  reading_card: 'started',
  awaiting_request_code: 'waiting_for_request_code',
  reserving: 'card_read',
  crediting: 'money_reserved',
  // A torn card: the money stays reserved while the workflow waits for the card to come back.
  awaiting_card: 'money_reserved',
  awaiting_confirmation: 'waiting_for_confirmation_code',
  locked: 'needs_operator',
  needs_operator: 'needs_operator',
  posting: 'card_credited',
  voiding: 'money_reserved',
  posted: 'posted',
  voided: 'voided',
  failed: 'failed',
};

const FINISHED: ReadonlySet<DownloadPhase> = new Set(['posted', 'voided', 'failed']);

export interface DownloadOwner {
  readonly downloadId: string;
  readonly customerId: string;
  readonly startedAt: Date;
}

export function downloadViewOf(owner: DownloadOwner, state: DownloadState): DownloadView {
  const finished = FINISHED.has(state.phase);
  const lastNote = state.history.length > 0 ? state.history[state.history.length - 1].note : null;
  const outcome = state.failure?.message ?? state.operatorReason ?? (state.phase === 'awaiting_card' ? lastNote : null) ?? (finished ? lastNote : null);
  return {
    downloadId: owner.downloadId,
    customerId: owner.customerId,
    csn: state.csn,
    purse: state.purse,
    amountMinor: BigInt(state.amountMinor),
    mode: state.mode,
    // The workflow enters awaiting_confirmation just before it asks for the authorization code;
    // until the code exists there is nothing for the customer to type.
    step: state.phase === 'awaiting_confirmation' && !state.authorizationCode ? 'money_reserved' : STEP_OF_PHASE[state.phase],
    // Both only grow: every change of phase adds a history event, every wrong code counts.
    version: state.history.length * 10 + state.wrongCodes,
    authorizationCode: state.phase === 'awaiting_confirmation' ? (state.authorizationCode ?? null) : null,
    wrongCodes: state.wrongCodes,
    outcome,
    finished,
    startedAt: owner.startedAt,
  };
}

/** What the portal shows before the workflow answered its first query. */
export function startingView(owner: DownloadOwner, request: { csn: string; purse: DownloadView['purse']; amountMinor: bigint; mode: DownloadView['mode'] }): DownloadView {
  return {
    ...owner,
    ...request,
    step: request.mode === 'offline' ? 'waiting_for_request_code' : 'started',
    version: 0,
    authorizationCode: null,
    wrongCodes: 0,
    outcome: null,
    finished: false,
  };
}

/** Evidence an operator typed, read as the workflow's Evidence kinds. */
export function evidenceOf(text: string, operator: string):
  | { kind: 'confirmation_code'; code: string }
  | { kind: 'request_code'; code: string }
  | { kind: 'log_record'; recordHex: string }
  | { kind: 'operator_attestation'; operator: string; reference: string } {
  const compact = text.replace(/[\s-]/g, '');
  if (/^[0-9]{9}$/.test(compact)) return { kind: 'confirmation_code', code: compact };
  if (/^[0-9]{14}$/.test(compact)) return { kind: 'request_code', code: compact };
  if (/^[0-9a-fA-F]{56}$/.test(compact)) return { kind: 'log_record', recordHex: compact.toUpperCase() };
  return { kind: 'operator_attestation', operator, reference: text.trim() };
}

