"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ACTION_LABEL = void 0;
exports.attentionItems = attentionItems;
exports.applyOperatorAction = applyOperatorAction;
exports.auditTrail = auditTrail;
exports.temporalWorkflowLink = temporalWorkflowLink;
const node_crypto_1 = require("node:crypto");
const errors_1 = require("./errors");
const ports_1 = require("./ports");
/**
 * What an operator can do with work that waits for a person. Every action goes through the
 * workflow's update (its validator decides) and is written to the audit trail, refused or not.
 */
exports.ACTION_LABEL = {
    retry: 'Retry now',
    resolve: 'Resolve with evidence',
    void: 'Void with evidence',
    unlock: 'Unlock code entry',
};
const ACTIONS = Object.keys(exports.ACTION_LABEL);
const NEEDS_EVIDENCE = new Set(['resolve', 'void']);
async function attentionItems(ctx) {
    return ctx.workflows.needsAttention();
}
async function applyOperatorAction(ctx, operator, workflowId, input) {
    const action = input.action;
    if (!ACTIONS.includes(action))
        throw new errors_1.PortalError('input_invalid', `Choose an action: ${ACTIONS.join(', ')}.`, { field: 'action' });
    const evidence = typeof input.evidence === 'string' ? input.evidence.trim() : '';
    if (NEEDS_EVIDENCE.has(action) && evidence === '') {
        throw new errors_1.PortalError('input_invalid', 'Write the evidence (a confirmation code, a card log record, what the customer showed) before you resolve or void.', { field: 'evidence' });
    }
    if (evidence.length > 2000)
        throw new errors_1.PortalError('input_invalid', 'Evidence is limited to 2000 characters; keep the essentials.', { field: 'evidence' });
    const items = await ctx.workflows.needsAttention();
    const item = items.find((i) => i.workflowId === workflowId);
    if (!item)
        throw new errors_1.PortalError('not_found', 'That item no longer needs attention (someone may have acted on it); reload the list.');
    if (!item.actions.includes(action))
        throw new errors_1.PortalError('action_refused', `${exports.ACTION_LABEL[action]} is not possible for this item; choose one of the actions listed with it.`, { field: 'action' });
    const updateId = typeof input.updateId === 'string' && /^[A-Za-z0-9-]{1,80}$/.test(input.updateId) ? input.updateId : (0, node_crypto_1.randomUUID)();
    try {
        const outcome = await ctx.workflows.operatorAction(workflowId, action, evidence, operator.email, updateId);
        await recordAudit(ctx, operator, action, workflowId, evidence, `done: ${outcome}`);
        return outcome;
    }
    catch (err) {
        if (err instanceof ports_1.WorkflowRefusal) {
            await recordAudit(ctx, operator, action, workflowId, evidence, `refused: ${err.message}`);
            throw new errors_1.PortalError('action_refused', err.message, { cause: err });
        }
        throw err;
    }
}
async function recordAudit(ctx, operator, action, workflowId, evidence, outcome) {
    await ctx.db('portal_audit').insert({ user_id: operator.id, action, workflow_id: workflowId, evidence, outcome });
}
async function auditTrail(ctx, workflowId) {
    const rows = await ctx.db('portal_audit as a')
        .join('portal_users as u', 'u.id', 'a.user_id')
        .where('a.workflow_id', workflowId)
        .orderBy('a.id')
        .select('a.at', 'u.email', 'a.action', 'a.workflow_id', 'a.evidence', 'a.outcome');
    return rows.map((r) => ({ at: r.at, email: r.email, action: r.action, workflowId: r.workflow_id, evidence: r.evidence, outcome: r.outcome }));
}
function temporalWorkflowLink(ctx, workflowId) {
    return `${ctx.temporalUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(ctx.temporalNamespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
