import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PortalContext } from '../context';
import { customerDownload, customerDownloads, customerOverview, startCustomerDownload, submitDownloadCode, type CodeSubmission, type DownloadRequestInput } from '../customer-downloads';
import { codePrompt, presentDownload, PURSE_LABEL } from '../download-presenter';
import { isPortalError, PortalError } from '../errors';
import { megabytes, merchantSettlement, merchantSettlements, settlementRecords, uploadSettlement } from '../merchant-settlements';
import { formatMinor } from '../money';
import { ACTION_LABEL, applyOperatorAction, CARD_LOG_REASON, attentionCase, attentionItems, temporalWorkflowLink, type AuditEntry } from '../operator-actions';
import type { AttentionItem, AttentionKind, CardLogEvidence, SettlementView } from '../ports';
import { csrfTokenFor, requireRole, userOfRole } from '../session';
import { afterSignIn, homeOf, signIn, signOut } from '../sign-in';
import type { AttentionRow, AuditRow, CardLogTable, FormError, LayoutModel, SettlementRow, ViewModels, ViewName } from '../views/render';
import { codeEntryLimit } from './api';

/**
 * The pages: server-rendered, POST-redirect-GET, each calling the same handler as its JSON API
 * route. A refused form is shown again with the reason beside the field.
 */
export async function renderPage<V extends ViewName>(
  ctx: PortalContext,
  request: FastifyRequest,
  reply: FastifyReply,
  view: V,
  model: ViewModels[V] & { title: string; notice?: string | null },
): Promise<void> {
  const user = request.portalUser;
  const layout: LayoutModel = {
    title: model.title,
    user: user ? { email: user.email, role: user.role } : null,
    csrfToken: csrfTokenFor(request, reply),
    notice: model.notice ?? null,
  };
  const html = ctx.views.render(view, { ...model, ...layout });
  await reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
}

function formError(err: unknown): FormError {
  if (!isPortalError(err)) throw err;
  return { code: err.code, message: err.message, field: err.field ?? null };
}

/** A handler's PortalError becomes the form's error; anything else goes to the error page. */
async function refusedForm(reply: FastifyReply, err: unknown, render: (error: FormError) => Promise<void>): Promise<void> {
  const error = formError(err);
  // Errors that are not about the form (not found, signed out) answer like any other request.
  if (err instanceof PortalError && (err.code === 'not_found' || err.code === 'not_signed_in' || err.code === 'session_expired')) throw err;
  reply.status((err as PortalError).status);
  await render(error);
}

const KIND_LABEL: Record<AttentionKind, string> = {
  download_stuck: 'Download waiting too long',
  settlement_stuck: 'Settlement waiting too long',
  code_entry_locked: 'Code entry locked',
  card_flagged: 'Card flagged by settlement',
};

function csnDisplay(csn: string): string {
  return csn.replace(/(\d{4})(?=\d)/g, '$1 ');
}

function settlementRow(view: SettlementView): SettlementRow {
  return {
    settlementId: view.settlementId,
    fileName: view.fileName,
    state: view.state,
    recordCount: view.recordCount,
    acceptedCount: view.acceptedCount,
    refusedCount: view.refusedCount,
    startedAt: view.startedAt.toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    reason: view.reason,
    totals: view.totals.map((t) => ({ purseLabel: PURSE_LABEL[t.purse], accepted: formatMinor(t.acceptedMinor) })),
  };
}

export function registerPageRoutes(app: FastifyInstance, ctx: PortalContext): void {
  const customer = requireRole('customer');
  const merchant = requireRole('merchant');
  const operator = requireRole('operator');
  const page = { schema: { hide: true } };

  app.get('/', page, async (request, reply) => reply.redirect(homeOf(request.portalUser), 303));

  app.get<{ Querystring: { expired?: string; next?: string } }>('/sign-in', page, async (request, reply) => {
    if (request.portalUser) return reply.redirect(homeOf(request.portalUser), 303);
    const expired = request.query.expired === '1' || request.sessionLapsed;
    const next = typeof request.query.next === 'string' ? request.query.next : null;
    await renderPage(ctx, request, reply, 'sign-in', { title: 'Sign in', email: '', error: null, next, notice: expired ? 'Your session has expired; sign in again.' : null });
  });

  app.post<{ Body: { email?: string; password?: string }; Querystring: { next?: string } }>(
    '/sign-in',
    { ...page, config: { rateLimit: { max: ctx.limits.signInPerMinute, timeWindow: 60_000 } } },
    async (request, reply) => {
      try {
        const user = await signIn(ctx, request, request.body ?? {});
        return reply.redirect(afterSignIn(user, request.query.next), 303);
      } catch (err) {
        const next = typeof request.query.next === 'string' ? request.query.next : null;
        await refusedForm(reply, err, (error) => renderPage(ctx, request, reply, 'sign-in', { title: 'Sign in', email: String(request.body?.email ?? ''), error, next }));
      }
    },
  );

  app.post('/sign-out', page, async (request, reply) => {
    signOut(request);
    return reply.redirect('/sign-in', 303);
  });

  // Customer
  async function customerHome(request: FastifyRequest, reply: FastifyReply, form: Partial<DownloadRequestInput>, error: FormError | null): Promise<void> {
    const overview = await customerOverview(ctx, userOfRole(request, 'customer'));
    const text = (v: unknown) => (typeof v === 'string' ? v : '');
    await renderPage(ctx, request, reply, 'customer', {
      title: 'Your balances',
      balances: overview.balances.map((b) => ({ purseLabel: PURSE_LABEL[b.purse], currency: b.currency, available: formatMinor(b.availableMinor), reserved: formatMinor(b.reservedMinor) })),
      cards: overview.cards.map((c) => ({
        csn: c.csn,
        csnDisplay: csnDisplay(c.csn),
        blocked: c.blocked,
        maxBalance: formatMinor(c.maxBalanceMinor),
        purses: c.purses.map((p) => ({ label: PURSE_LABEL[p.purse], lastKnown: p.lastKnownMinor === null ? 'not read yet' : formatMinor(p.lastKnownMinor) })),
      })),
      readers: overview.readers,
      form: {
        csn: text(form.csn),
        purse: text(form.purse),
        amount: text(form.amount),
        mode: text(form.mode) || (overview.readers.length > 0 ? 'connected' : 'offline'),
        readerId: text(form.readerId),
        // A fresh id per form: submitting the same form twice starts one download.
        requestId: error && typeof form.requestId === 'string' ? form.requestId : randomUUID(),
      },
      error,
    });
  }

  app.get('/customer', { ...page, onRequest: customer }, async (request, reply) => customerHome(request, reply, {}, null));

  app.post<{ Body: DownloadRequestInput }>('/customer/downloads', { ...page, onRequest: customer }, async (request, reply) => {
    try {
      const view = await startCustomerDownload(ctx, userOfRole(request, 'customer'), request.body ?? {});
      return reply.redirect(`/customer/downloads/${encodeURIComponent(view.downloadId)}`, 303);
    } catch (err) {
      await refusedForm(reply, err, (error) => customerHome(request, reply, request.body ?? {}, error));
    }
  });

  async function downloadPage(request: FastifyRequest, reply: FastifyReply, downloadId: string, error: FormError | null): Promise<void> {
    const view = await customerDownload(ctx, userOfRole(request, 'customer'), downloadId);
    const presented = presentDownload(view);
    await renderPage(ctx, request, reply, 'download', {
      title: `Download of ${presented.amount} ${presented.purseLabel}`,
      download: presented,
      prompt: codePrompt(view),
      error,
      formNonce: randomUUID(),
    });
  }

  app.get<{ Params: { id: string } }>('/customer/downloads/:id', { ...page, onRequest: customer }, async (request, reply) => downloadPage(request, reply, request.params.id, null));

  const codePages: readonly [string, CodeSubmission][] = [
    ['request-code', 'request'],
    ['confirmation-code', 'confirmation'],
    ['not-loaded', 'not_loaded'],
  ];
  for (const [path, submission] of codePages) {
    app.post<{ Params: { id: string }; Body: { code?: string; updateId?: string } }>(
      `/customer/downloads/:id/${path}`,
      { ...page, onRequest: customer, config: { rateLimit: codeEntryLimit(ctx) } },
      async (request, reply) => {
        const id = request.params.id;
        try {
          await submitDownloadCode(ctx, userOfRole(request, 'customer'), id, submission, request.body?.code, request.body?.updateId);
          return reply.redirect(`/customer/downloads/${encodeURIComponent(id)}`, 303);
        } catch (err) {
          await refusedForm(reply, err, (error) => downloadPage(request, reply, id, error));
        }
      },
    );
  }

  app.get('/customer/history', { ...page, onRequest: customer }, async (request, reply) => {
    const downloads = await customerDownloads(ctx, userOfRole(request, 'customer'));
    await renderPage(ctx, request, reply, 'history', { title: 'Your downloads', downloads: downloads.map(presentDownload) });
  });

  // Merchant
  async function merchantHome(request: FastifyRequest, reply: FastifyReply, error: FormError | null): Promise<void> {
    const settlements = await merchantSettlements(ctx, userOfRole(request, 'merchant'));
    await renderPage(ctx, request, reply, 'merchant', {
      title: 'Settlements',
      settlements: settlements.map(settlementRow),
      maxMegabytes: megabytes(ctx.limits.uploadMaxBytes),
      maxRecords: ctx.limits.uploadMaxRecords,
      error,
    });
  }

  app.get('/merchant', { ...page, onRequest: merchant }, async (request, reply) => merchantHome(request, reply, null));

  app.post('/merchant/settlements', { ...page, onRequest: merchant }, async (request, reply) => {
    try {
      const file = await request.file();
      const view = await uploadSettlement(ctx, userOfRole(request, 'merchant'), file && { fileName: file.filename, content: file.file });
      return reply.redirect(`/merchant/settlements/${encodeURIComponent(view.settlementId)}`, 303);
    } catch (err) {
      await refusedForm(reply, err, (error) => merchantHome(request, reply, error));
    }
  });

  app.get<{ Params: { id: string }; Querystring: { verdict?: string; offset?: string } }>(
    '/merchant/settlements/:id',
    { ...page, onRequest: merchant },
    async (request, reply) => {
      const me = userOfRole(request, 'merchant');
      const view = await merchantSettlement(ctx, me, request.params.id);
      // Records can be unavailable while the totals are known (a binding that lists refused
      // records only): the page then says so where the table would be.
      let records: Awaited<ReturnType<typeof settlementRecords>> = { verdict: undefined, offset: 0, limit: ctx.limits.recordsPageSize, records: [], hasMore: false };
      let recordsError: string | null = null;
      try {
        records = await settlementRecords(ctx, me, request.params.id, { verdict: request.query.verdict, offset: request.query.offset });
      } catch (err) {
        if (!(err instanceof PortalError) || err.code !== 'workflows_unavailable') throw err;
        recordsError = `${err.message} Choose "refused" to see the refused records.`;
      }
      await renderPage(ctx, request, reply, 'settlement', {
        title: `Settlement ${view.fileName}`,
        settlement: settlementRow(view),
        records: records.records.map((r) => ({
          index: r.index,
          csnDisplay: csnDisplay(r.csn),
          purseLabel: PURSE_LABEL[r.purse],
          amount: formatMinor(r.amountMinor),
          verdict: r.verdict,
          reason: r.reason ?? '',
        })),
        verdict: records.verdict ?? '',
        offset: records.offset,
        limit: records.limit,
        hasMore: records.hasMore,
        recordsError,
        live: view.state === 'running',
      });
    },
  );

  app.get<{ Params: { id: string } }>('/merchant/settlements/:id/records.csv', { ...page, onRequest: merchant }, async (request, reply) =>
    reply.redirect(`/api/v1/settlements/${encodeURIComponent(request.params.id)}/records.csv`, 303),
  );

  // Operator
  const attentionRow = (item: AttentionItem): AttentionRow => ({
    workflowId: item.workflowId,
    kindLabel: KIND_LABEL[item.kind],
    summary: item.summary,
    since: minuteUtc(item.since),
    evidence: item.evidence,
    actions: item.actions.map((a) => ({ value: a, label: ACTION_LABEL[a] })),
    temporalLink: temporalWorkflowLink(ctx, item.workflowId),
    cardLog: item.cardLog ? cardLogTable(item.cardLog) : null,
  });
  const auditRow = (a: AuditEntry): AuditRow => ({ at: `${a.at.toISOString().slice(0, 19).replace('T', ' ')} UTC`, operator: a.email, action: a.action, evidence: a.evidence, outcome: a.outcome });

  async function operatorHome(request: FastifyRequest, reply: FastifyReply, error: FormError | null, notice: string | null): Promise<void> {
    const items = await attentionItems(ctx);
    await renderPage(ctx, request, reply, 'operator', { title: 'Needs attention', notice, temporalUiUrl: ctx.temporalUiUrl, error, items: items.map(attentionRow) });
  }

  async function operatorItem(request: FastifyRequest, reply: FastifyReply, workflowId: string, error: FormError | null, done: keyof typeof ACTION_LABEL | null): Promise<void> {
    const found = await attentionCase(ctx, workflowId);
    // The outcome comes from the audit trail (what the workflow answered), never from the link.
    const last = [...found.audit].reverse().find((a) => a.action === done);
    await renderPage(ctx, request, reply, 'operator-item', {
      title: found.item ? KIND_LABEL[found.item.kind] : `Workflow ${workflowId}`,
      notice: done && last ? `${ACTION_LABEL[done]}: ${last.outcome}.` : null,
      workflowId,
      temporalLink: temporalWorkflowLink(ctx, workflowId),
      item: found.item ? attentionRow(found.item) : null,
      audit: found.audit.map(auditRow),
      error,
    });
  }

  /** The notice is rebuilt from known words only, so a crafted link cannot put text on the page. */
  const doneAction = (done: unknown): keyof typeof ACTION_LABEL | undefined => Object.keys(ACTION_LABEL).find((a) => a === done) as keyof typeof ACTION_LABEL | undefined;

  app.get<{ Querystring: { done?: string; item?: string } }>('/operator', { ...page, onRequest: operator }, async (request, reply) => {
    const action = doneAction(request.query.done);
    const item = typeof request.query.item === 'string' && /^[A-Za-z0-9_.:-]{1,200}$/.test(request.query.item) ? request.query.item : null;
    await operatorHome(request, reply, null, action && item ? `Done: ${ACTION_LABEL[action]} on ${item}.` : null);
  });

  app.get<{ Params: { id: string }; Querystring: { done?: string } }>('/operator/items/:id', { ...page, onRequest: operator }, async (request, reply) => {
    const action = doneAction(request.query.done);
    await operatorItem(request, reply, request.params.id, null, action ?? null);
  });

  app.post<{ Params: { id: string }; Body: { action?: string; evidence?: string } }>(
    '/operator/items/:id/actions',
    { ...page, onRequest: operator },
    async (request, reply) => {
      try {
        await applyOperatorAction(ctx, userOfRole(request, 'operator'), request.params.id, request.body ?? {});
        return reply.redirect(`/operator/items/${encodeURIComponent(request.params.id)}?done=${encodeURIComponent(String(request.body?.action))}`, 303);
      } catch (err) {
        await refusedForm(reply, err, async (error) => {
          // A refusal about the item itself (gone, not found) falls back to the list.
          const listed = (await attentionItems(ctx)).some((i) => i.workflowId === request.params.id);
          return listed ? operatorItem(request, reply, request.params.id, error, null) : operatorHome(request, reply, error, null);
        });
      }
    },
  );
}

/** A download's card log for the operator's page: one row per record, newest first, with its hex. */
export function cardLogTable(log: CardLogEvidence): CardLogTable {
  return {
    readerId: log.readerId,
    readAt: `${log.readAt.toISOString().slice(0, 19).replace('T', ' ')} UTC`,
    atcCard: log.atcCard,
    reason: CARD_LOG_REASON[log.reason],
    records: log.records.map((r) =>
      r.decoded
        ? { atc: String(r.decoded.atc), kind: r.decoded.kind, purseLabel: PURSE_LABEL[r.decoded.purse], amount: formatMinor(r.decoded.amountMinor), balanceAfter: formatMinor(r.decoded.balanceAfterMinor), hex: r.hex }
        : { atc: '?', kind: 'not a log record', purseLabel: '', amount: '', balanceAfter: '', hex: r.hex },
    ),
  };
}

function minuteUtc(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
