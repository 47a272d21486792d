import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { PortalContext } from '../context';
import { customerDownload, customerDownloads, customerOverview, startCustomerDownload, submitDownloadCode, type CodeSubmission, type CustomerOverview } from '../customer-downloads';
import { presentDownload } from '../download-presenter';
import { formatMinor } from '../money';
import { applyOperatorAction, attentionCase, attentionItems, CARD_LOG_REASON, temporalWorkflowLink } from '../operator-actions';
import { merchantSettlement, merchantSettlements, settlementCsv, settlementRecords, uploadSettlement, type RecordsPage } from '../merchant-settlements';
import type { AttentionItem, CardLogEvidence, SettlementView } from '../ports';
import { csrfTokenFor, requireRole, userOfRole } from '../session';
import { signIn, signOut } from '../sign-in';
import type { PortalUser } from '../users/user';
import * as s from './api-schemas';
import { registerDownloadEvents } from './live';

/** The JSON API under /api/v1; the pages call the same handlers (routes/pages.ts). */
export function registerApiRoutes(app: FastifyInstance, ctx: PortalContext): void {
  const customer = requireRole('customer');
  const merchant = requireRole('merchant');
  const operator = requireRole('operator');
  const errors = { 400: s.errorSchema, 401: s.errorSchema, 403: s.errorSchema, 404: s.errorSchema, 409: s.errorSchema, 422: s.errorSchema, 429: s.errorSchema };

  app.get('/api/v1/session', { schema: { tags: ['session'], summary: 'Who is signed in, and a CSRF token for the next POST', response: { 200: s.sessionSchema } } }, async (request, reply) => ({
    user: request.portalUser ? userJson(request.portalUser) : null,
    csrfToken: csrfTokenFor(request, reply),
  }));

  app.post<{ Body: { email: string; password: string } }>(
    '/api/v1/session',
    {
      schema: { tags: ['session'], summary: 'Sign in', body: s.signInBody, response: { 200: s.sessionSchema, ...errors } },
      config: { rateLimit: { max: ctx.limits.signInPerMinute, timeWindow: 60_000 } },
    },
    async (request, reply) => {
      const user = await signIn(ctx, request, request.body);
      return { user: userJson(user), csrfToken: csrfTokenFor(request, reply) };
    },
  );

  app.delete('/api/v1/session', { schema: { tags: ['session'], summary: 'Sign out', response: { 204: { type: 'null' } } } }, async (request, reply) => {
    signOut(request);
    return reply.status(204).send();
  });

  app.get('/api/v1/customer/overview', { onRequest: customer, schema: { tags: ['customer'], summary: 'Balances, cards and online readers', response: { 200: s.overviewSchema, ...errors } } }, async (request) =>
    overviewJson(await customerOverview(ctx, userOfRole(request, 'customer'))),
  );

  app.get('/api/v1/downloads', { onRequest: customer, schema: { tags: ['customer'], summary: 'Downloads of the signed-in customer', response: { 200: { type: 'array', items: s.downloadSchema }, ...errors } } }, async (request) =>
    (await customerDownloads(ctx, userOfRole(request, 'customer'))).map(presentDownload),
  );

  app.post<{ Body: Record<string, string> }>(
    '/api/v1/downloads',
    { onRequest: customer, schema: { tags: ['customer'], summary: 'Start a download', body: s.startDownloadBody, response: { 201: s.downloadSchema, ...errors } } },
    async (request, reply) => reply.status(201).send(presentDownload(await startCustomerDownload(ctx, userOfRole(request, 'customer'), request.body))),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/downloads/:id',
    { onRequest: customer, schema: { tags: ['customer'], summary: 'One download', params: s.idParams, response: { 200: s.downloadSchema, ...errors } } },
    async (request) => presentDownload(await customerDownload(ctx, userOfRole(request, 'customer'), request.params.id)),
  );

  const codeRoutes: readonly [string, CodeSubmission, string][] = [
    ['request-code', 'request', 'Give the request code the Pocket shows; answers with the authorization code'],
    ['confirmation-code', 'confirmation', 'Give the confirmation code the Pocket shows after the credit'],
    ['not-loaded', 'not_loaded', 'Prove with a fresh request code that the card was not loaded'],
  ];
  for (const [path, submission, summary] of codeRoutes) {
    app.post<{ Params: { id: string }; Body: { code: string; updateId?: string } }>(
      `/api/v1/downloads/:id/${path}`,
      {
        onRequest: customer,
        schema: { tags: ['customer'], summary, params: s.idParams, body: s.codeBody, response: { 200: s.downloadSchema, ...errors } },
        config: { rateLimit: codeEntryLimit(ctx) },
      },
      async (request) =>
        presentDownload(await submitDownloadCode(ctx, userOfRole(request, 'customer'), request.params.id, submission, request.body.code, request.body.updateId)),
    );
  }

  registerDownloadEvents(app, ctx, customer);

  app.get('/api/v1/settlements', { onRequest: merchant, schema: { tags: ['merchant'], summary: 'Settlements of the signed-in merchant', response: { 200: { type: 'array', items: s.settlementSchema }, ...errors } } }, async (request) =>
    (await merchantSettlements(ctx, userOfRole(request, 'merchant'))).map(settlementJson),
  );

  app.post(
    '/api/v1/settlements',
    {
      onRequest: merchant,
      schema: {
        tags: ['merchant'],
        summary: 'Upload a .estb settlement file (multipart/form-data, field "file"; CSRF token in x-csrf-token)',
        consumes: ['multipart/form-data'],
        response: { 201: s.settlementSchema, 413: s.errorSchema, 415: s.errorSchema, ...errors },
      },
    },
    async (request, reply) => {
      const file = await request.file();
      const view = await uploadSettlement(ctx, userOfRole(request, 'merchant'), file && { fileName: file.filename, content: file.file });
      return reply.status(201).send(settlementJson(view));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/settlements/:id',
    { onRequest: merchant, schema: { tags: ['merchant'], summary: 'One settlement with its totals', params: s.idParams, response: { 200: s.settlementSchema, ...errors } } },
    async (request) => settlementJson(await merchantSettlement(ctx, userOfRole(request, 'merchant'), request.params.id)),
  );

  app.get<{ Params: { id: string }; Querystring: Record<string, string> }>(
    '/api/v1/settlements/:id/records',
    { onRequest: merchant, schema: { tags: ['merchant'], summary: 'Records of a settlement with their verdicts, paged', params: s.idParams, querystring: s.recordsQuery, response: { 200: s.recordsSchema, ...errors } } },
    async (request) => recordsJson(await settlementRecords(ctx, userOfRole(request, 'merchant'), request.params.id, request.query)),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/settlements/:id/records.csv',
    { onRequest: merchant, schema: { tags: ['merchant'], summary: 'All records as CSV', params: s.idParams, produces: ['text/csv'] } },
    async (request, reply) => {
      const rows = settlementCsv(ctx, userOfRole(request, 'merchant'), request.params.id);
      // Read the first chunk before answering, so "not found" is still a proper 404.
      const first = await rows.next();
      reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="settlement-records.csv"`);
      return reply.send(
        Readable.from(
          (async function* () {
            if (!first.done) yield first.value;
            yield* rows;
          })(),
        ),
      );
    },
  );

  app.get('/api/v1/attention', { onRequest: operator, schema: { tags: ['operator'], summary: 'What needs a person', response: { 200: s.attentionSchema, ...errors } } }, async () => ({
    temporalUiUrl: ctx.temporalUiUrl,
    items: (await attentionItems(ctx)).map((item) => attentionJson(ctx, item)),
  }));

  app.get<{ Params: { id: string } }>(
    '/api/v1/attention/:id',
    { onRequest: operator, schema: { tags: ['operator'], summary: 'One item with its evidence and its audit trail (who, when, what, evidence, outcome)', params: s.idParams, response: { 200: s.attentionCaseSchema, ...errors } } },
    async (request) => {
      const found = await attentionCase(ctx, request.params.id);
      return {
        workflowId: found.workflowId,
        temporalLink: temporalWorkflowLink(ctx, found.workflowId),
        item: found.item ? attentionJson(ctx, found.item) : null,
        audit: found.audit.map((a) => ({ at: a.at.toISOString(), operator: a.email, action: a.action, evidence: a.evidence, outcome: a.outcome })),
      };
    },
  );

  app.post<{ Params: { id: string }; Body: { action: string; evidence?: string; updateId?: string } }>(
    '/api/v1/attention/:id/actions',
    {
      onRequest: operator,
      schema: {
        tags: ['operator'],
        summary: 'Retry, resolve, void or unlock through the workflow; recorded in the audit trail',
        params: s.idParams,
        body: s.operatorActionBody,
        response: { 200: { type: 'object', properties: { outcome: { type: 'string' } } }, ...errors },
      },
    },
    async (request) => ({ outcome: await applyOperatorAction(ctx, userOfRole(request, 'operator'), request.params.id, request.body) }),
  );
}

export function codeEntryLimit(ctx: PortalContext) {
  return {
    max: ctx.limits.codeEntryPerMinute,
    timeWindow: 60_000,
    // Per person, not per address: customers behind one carrier NAT do not block each other.
    keyGenerator: (request: { portalUser: PortalUser | null; ip: string }) => (request.portalUser ? `user-${request.portalUser.id}` : `ip-${request.ip}`),
  };
}

export function userJson(user: PortalUser): Record<string, string> {
  if (user.role === 'customer') return { email: user.email, role: user.role, customerId: user.customerId };
  if (user.role === 'merchant') return { email: user.email, role: user.role, merchantId: user.merchantId };
  return { email: user.email, role: user.role };
}

function overviewJson(overview: CustomerOverview) {
  return {
    balances: overview.balances.map((b) => ({ purse: b.purse, currency: b.currency, available: formatMinor(b.availableMinor), reserved: formatMinor(b.reservedMinor) })),
    cards: overview.cards.map((c) => ({
      csn: c.csn,
      blocked: c.blocked,
      maxBalance: formatMinor(c.maxBalanceMinor),
      purses: c.purses.map((p) => ({ purse: p.purse, lastKnown: p.lastKnownMinor === null ? null : formatMinor(p.lastKnownMinor) })),
    })),
    readers: overview.readers.map((r) => ({ readerId: r.readerId, label: r.label })),
  };
}

function settlementJson(view: SettlementView) {
  return {
    settlementId: view.settlementId,
    fileName: view.fileName,
    state: view.state,
    recordCount: view.recordCount,
    acceptedCount: view.acceptedCount,
    refusedCount: view.refusedCount,
    reason: view.reason,
    startedAt: view.startedAt.toISOString(),
    totals: view.totals.map((t) => ({ purse: t.purse, accepted: formatMinor(t.acceptedMinor) })),
  };
}

function recordsJson(page: RecordsPage) {
  return {
    offset: page.offset,
    limit: page.limit,
    hasMore: page.hasMore,
    records: page.records.map((r) => ({ index: r.index, csn: r.csn, purse: r.purse, amount: formatMinor(r.amountMinor), verdict: r.verdict, reason: r.reason })),
  };
}

function attentionJson(ctx: PortalContext, item: AttentionItem) {
  return {
    workflowId: item.workflowId,
    kind: item.kind,
    summary: item.summary,
    since: item.since.toISOString(),
    evidence: [...item.evidence],
    actions: [...item.actions],
    temporalLink: temporalWorkflowLink(ctx, item.workflowId),
    cardLog: item.cardLog ? cardLogJson(item.cardLog) : null,
  };
}

function cardLogJson(log: CardLogEvidence) {
  return {
    readerId: log.readerId,
    readAt: log.readAt.toISOString(),
    atcCard: log.atcCard,
    reason: log.reason,
    reasonText: CARD_LOG_REASON[log.reason],
    records: log.records.map((r) => ({
      hex: r.hex,
      decoded: r.decoded
        ? { atc: r.decoded.atc, kind: r.decoded.kind, purse: r.decoded.purse, amount: formatMinor(r.decoded.amountMinor), balanceAfter: formatMinor(r.decoded.balanceAfterMinor) }
        : null,
    })),
  };
}
