import { randomUUID } from 'node:crypto';
import type { PortalContext } from './context';
import { PortalError } from './errors';
import { WorkflowRefusal, type AttentionItem, type CardLogEvidence, type OperatorAction } from './ports';
import type { PortalUser } from './users/user';

/**
 * What an operator can do with work that waits for a person. Every action goes through the
 * workflow's update (its validator decides) and is written to the audit trail, refused or not.
 */
export const ACTION_LABEL: Record<OperatorAction, string> = {
  retry: 'Retry now',
  resolve: 'Resolve with evidence',
  void: 'Void with evidence',
  unlock: 'Unlock code entry',
};

/** Why a download's card log could not prove its load, in words (page and API alike). */
export const CARD_LOG_REASON: Record<CardLogEvidence['reason'], string> = {
  rolled_out_of_log: "this load's record rolled out of the card's 10-record log",
  record_mismatch: 'the record at this ATC is not this load',
};

const ACTIONS = Object.keys(ACTION_LABEL) as OperatorAction[];
const NEEDS_EVIDENCE: ReadonlySet<OperatorAction> = new Set(['resolve', 'void']);

export async function attentionItems(ctx: PortalContext): Promise<readonly AttentionItem[]> {
  return ctx.workflows.needsAttention();
}

/**
 * One item as an operator opens it: the item while it still needs attention, and everything the
 * audit trail holds about its workflow. Neither (an id nobody listed or acted on) is not found.
 */
export interface AttentionCase {
  readonly workflowId: string;
  readonly item: AttentionItem | null;
  readonly audit: readonly AuditEntry[];
}

export async function attentionCase(ctx: PortalContext, workflowId: string): Promise<AttentionCase> {
  const [items, audit] = await Promise.all([ctx.workflows.needsAttention(), auditTrail(ctx, workflowId)]);
  const listed = items.find((i) => i.workflowId === workflowId);
  const item = listed ? await ctx.workflows.attentionDetail(listed) : null;
  if (!item && audit.length === 0) throw new PortalError('not_found', 'There is nothing here: no item with this id needs attention or was acted on. Go back to the list.');
  return { workflowId, item, audit };
}

export interface AuditEntry {
  readonly at: Date;
  readonly email: string;
  readonly action: string;
  readonly workflowId: string;
  readonly evidence: string;
  readonly outcome: string;
}

export async function applyOperatorAction(
  ctx: PortalContext,
  operator: Extract<PortalUser, { role: 'operator' }>,
  workflowId: string,
  input: { readonly action?: unknown; readonly evidence?: unknown; readonly updateId?: unknown },
): Promise<string> {
  const action = input.action as OperatorAction;
  if (!ACTIONS.includes(action)) throw new PortalError('input_invalid', `Choose an action: ${ACTIONS.join(', ')}.`, { field: 'action' });
  const evidence = typeof input.evidence === 'string' ? input.evidence.trim() : '';
  if (NEEDS_EVIDENCE.has(action) && evidence === '') {
    throw new PortalError('input_invalid', 'Write the evidence (a confirmation code, a card log record, what the customer showed) before you resolve or void.', { field: 'evidence' });
  }
  if (evidence.length > 2000) throw new PortalError('input_invalid', 'Evidence is limited to 2000 characters; keep the essentials.', { field: 'evidence' });
  const items = await ctx.workflows.needsAttention();
  const item = items.find((i) => i.workflowId === workflowId);
  if (!item) throw new PortalError('not_found', 'That item no longer needs attention (someone may have acted on it); reload the list.');
  if (!item.actions.includes(action)) throw new PortalError('action_refused', `${ACTION_LABEL[action]} is not possible for this item; choose one of the actions listed with it.`, { field: 'action' });
  const updateId = typeof input.updateId === 'string' && /^[A-Za-z0-9-]{1,80}$/.test(input.updateId) ? input.updateId : randomUUID();
  try {
    const outcome = await ctx.workflows.operatorAction(workflowId, action, evidence, operator.email, updateId);
    await recordAudit(ctx, operator, action, workflowId, evidence, `done: ${outcome}`);
    return outcome;
  } catch (err) {
    if (err instanceof WorkflowRefusal) {
      await recordAudit(ctx, operator, action, workflowId, evidence, `refused: ${err.message}`);
      throw new PortalError('action_refused', err.message, { cause: err });
    }
    throw err;
  }
}

async function recordAudit(ctx: PortalContext, operator: PortalUser, action: string, workflowId: string, evidence: string, outcome: string): Promise<void> {
  await ctx.db('portal_audit').insert({ user_id: operator.id, action, workflow_id: workflowId, evidence, outcome });
}

export async function auditTrail(ctx: PortalContext, workflowId: string): Promise<readonly AuditEntry[]> {
  const rows = await ctx.db('portal_audit as a')
    .join('portal_users as u', 'u.id', 'a.user_id')
    .where('a.workflow_id', workflowId)
    .orderBy('a.id')
    .select<{ at: Date; email: string; action: string; workflow_id: string; evidence: string; outcome: string }[]>('a.at', 'u.email', 'a.action', 'a.workflow_id', 'a.evidence', 'a.outcome');
  return rows.map((r) => ({ at: r.at, email: r.email, action: r.action, workflowId: r.workflow_id, evidence: r.evidence, outcome: r.outcome }));
}

/** The Web UI's workflow list filtered to this id: it works for every run, current or reset. */
export function temporalWorkflowLink(ctx: PortalContext, workflowId: string): string {
  const query = encodeURIComponent(`WorkflowId="${workflowId}"`);
  return `${ctx.temporalUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(ctx.temporalNamespace)}/workflows?query=${query}`;
}
