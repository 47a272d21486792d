"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.registerApiRoutes = registerApiRoutes;
exports.codeEntryLimit = codeEntryLimit;
exports.userJson = userJson;
const node_stream_1 = require("node:stream");
const customer_downloads_1 = require("../customer-downloads");
const download_presenter_1 = require("../download-presenter");
const money_1 = require("../money");
const operator_actions_1 = require("../operator-actions");
const merchant_settlements_1 = require("../merchant-settlements");
const session_1 = require("../session");
const sign_in_1 = require("../sign-in");
const s = __importStar(require("./api-schemas"));
const live_1 = require("./live");
/** The JSON API under /api/v1; the pages call the same handlers (routes/pages.ts). */
function registerApiRoutes(app, ctx) {
    const customer = (0, session_1.requireRole)('customer');
    const merchant = (0, session_1.requireRole)('merchant');
    const operator = (0, session_1.requireRole)('operator');
    const errors = { 400: s.errorSchema, 401: s.errorSchema, 403: s.errorSchema, 404: s.errorSchema, 409: s.errorSchema, 422: s.errorSchema, 429: s.errorSchema };
    app.get('/api/v1/session', { schema: { tags: ['session'], summary: 'Who is signed in, and a CSRF token for the next POST', response: { 200: s.sessionSchema } } }, async (request, reply) => ({
        user: request.portalUser ? userJson(request.portalUser) : null,
        csrfToken: (0, session_1.csrfTokenFor)(request, reply),
    }));
    app.post('/api/v1/session', {
        schema: { tags: ['session'], summary: 'Sign in', body: s.signInBody, response: { 200: s.sessionSchema, ...errors } },
        config: { rateLimit: { max: ctx.limits.signInPerMinute, timeWindow: 60_000 } },
    }, async (request, reply) => {
        const user = await (0, sign_in_1.signIn)(ctx, request, request.body);
        return { user: userJson(user), csrfToken: (0, session_1.csrfTokenFor)(request, reply) };
    });
    app.delete('/api/v1/session', { schema: { tags: ['session'], summary: 'Sign out', response: { 204: { type: 'null' } } } }, async (request, reply) => {
        (0, sign_in_1.signOut)(request);
        return reply.status(204).send();
    });
    app.get('/api/v1/customer/overview', { onRequest: customer, schema: { tags: ['customer'], summary: 'Balances, cards and online readers', response: { 200: s.overviewSchema, ...errors } } }, async (request) => overviewJson(await (0, customer_downloads_1.customerOverview)(ctx, (0, session_1.userOfRole)(request, 'customer'))));
    app.get('/api/v1/downloads', { onRequest: customer, schema: { tags: ['customer'], summary: 'Downloads of the signed-in customer', response: { 200: { type: 'array', items: s.downloadSchema }, ...errors } } }, async (request) => (await (0, customer_downloads_1.customerDownloads)(ctx, (0, session_1.userOfRole)(request, 'customer'))).map(download_presenter_1.presentDownload));
    app.post('/api/v1/downloads', { onRequest: customer, schema: { tags: ['customer'], summary: 'Start a download', body: s.startDownloadBody, response: { 201: s.downloadSchema, ...errors } } }, async (request, reply) => reply.status(201).send((0, download_presenter_1.presentDownload)(await (0, customer_downloads_1.startCustomerDownload)(ctx, (0, session_1.userOfRole)(request, 'customer'), request.body))));
    app.get('/api/v1/downloads/:id', { onRequest: customer, schema: { tags: ['customer'], summary: 'One download', params: s.idParams, response: { 200: s.downloadSchema, ...errors } } }, async (request) => (0, download_presenter_1.presentDownload)(await (0, customer_downloads_1.customerDownload)(ctx, (0, session_1.userOfRole)(request, 'customer'), request.params.id)));
    const codeRoutes = [
        ['request-code', 'request', 'Give the request code the Pocket shows; answers with the authorization code'],
        ['confirmation-code', 'confirmation', 'Give the confirmation code the Pocket shows after the credit'],
        ['not-loaded', 'not_loaded', 'Prove with a fresh request code that the card was not loaded'],
    ];
    for (const [path, submission, summary] of codeRoutes) {
        app.post(`/api/v1/downloads/:id/${path}`, {
            onRequest: customer,
            schema: { tags: ['customer'], summary, params: s.idParams, body: s.codeBody, response: { 200: s.downloadSchema, ...errors } },
            config: { rateLimit: codeEntryLimit(ctx) },
        }, async (request) => (0, download_presenter_1.presentDownload)(await (0, customer_downloads_1.submitDownloadCode)(ctx, (0, session_1.userOfRole)(request, 'customer'), request.params.id, submission, request.body.code, request.body.updateId)));
    }
    (0, live_1.registerDownloadEvents)(app, ctx, customer);
    app.get('/api/v1/settlements', { onRequest: merchant, schema: { tags: ['merchant'], summary: 'Settlements of the signed-in merchant', response: { 200: { type: 'array', items: s.settlementSchema }, ...errors } } }, async (request) => (await (0, merchant_settlements_1.merchantSettlements)(ctx, (0, session_1.userOfRole)(request, 'merchant'))).map(settlementJson));
    app.post('/api/v1/settlements', {
        onRequest: merchant,
        schema: {
            tags: ['merchant'],
            summary: 'Upload a .estb settlement file (multipart/form-data, field "file"; CSRF token in x-csrf-token)',
            consumes: ['multipart/form-data'],
            response: { 201: s.settlementSchema, 413: s.errorSchema, 415: s.errorSchema, ...errors },
        },
    }, async (request, reply) => {
        const file = await request.file();
        const view = await (0, merchant_settlements_1.uploadSettlement)(ctx, (0, session_1.userOfRole)(request, 'merchant'), file && { fileName: file.filename, content: file.file });
        return reply.status(201).send(settlementJson(view));
    });
    app.get('/api/v1/settlements/:id', { onRequest: merchant, schema: { tags: ['merchant'], summary: 'One settlement with its totals', params: s.idParams, response: { 200: s.settlementSchema, ...errors } } }, async (request) => settlementJson(await (0, merchant_settlements_1.merchantSettlement)(ctx, (0, session_1.userOfRole)(request, 'merchant'), request.params.id)));
    app.get('/api/v1/settlements/:id/records', { onRequest: merchant, schema: { tags: ['merchant'], summary: 'Records of a settlement with their verdicts, paged', params: s.idParams, querystring: s.recordsQuery, response: { 200: s.recordsSchema, ...errors } } }, async (request) => recordsJson(await (0, merchant_settlements_1.settlementRecords)(ctx, (0, session_1.userOfRole)(request, 'merchant'), request.params.id, request.query)));
    app.get('/api/v1/settlements/:id/records.csv', { onRequest: merchant, schema: { tags: ['merchant'], summary: 'All records as CSV', params: s.idParams, produces: ['text/csv'] } }, async (request, reply) => {
        const rows = (0, merchant_settlements_1.settlementCsv)(ctx, (0, session_1.userOfRole)(request, 'merchant'), request.params.id);
        // Read the first chunk before answering, so "not found" is still a proper 404.
        const first = await rows.next();
        reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="settlement-records.csv"`);
        return reply.send(node_stream_1.Readable.from((async function* () {
            if (!first.done)
                yield first.value;
            yield* rows;
        })()));
    });
    app.get('/api/v1/attention', { onRequest: operator, schema: { tags: ['operator'], summary: 'What needs a person', response: { 200: s.attentionSchema, ...errors } } }, async () => ({
        temporalUiUrl: ctx.temporalUiUrl,
        items: (await (0, operator_actions_1.attentionItems)(ctx)).map((item) => attentionJson(ctx, item)),
    }));
    app.post('/api/v1/attention/:id/actions', {
        onRequest: operator,
        schema: {
            tags: ['operator'],
            summary: 'Retry, resolve, void or unlock through the workflow; recorded in the audit trail',
            params: s.idParams,
            body: s.operatorActionBody,
            response: { 200: { type: 'object', properties: { outcome: { type: 'string' } } }, ...errors },
        },
    }, async (request) => ({ outcome: await (0, operator_actions_1.applyOperatorAction)(ctx, (0, session_1.userOfRole)(request, 'operator'), request.params.id, request.body) }));
}
function codeEntryLimit(ctx) {
    return {
        max: ctx.limits.codeEntryPerMinute,
        timeWindow: 60_000,
        // Per person, not per address: customers behind one carrier NAT do not block each other.
        keyGenerator: (request) => (request.portalUser ? `user-${request.portalUser.id}` : `ip-${request.ip}`),
    };
}
function userJson(user) {
    if (user.role === 'customer')
        return { email: user.email, role: user.role, customerId: user.customerId };
    if (user.role === 'merchant')
        return { email: user.email, role: user.role, merchantId: user.merchantId };
    return { email: user.email, role: user.role };
}
function overviewJson(overview) {
    return {
        balances: overview.balances.map((b) => ({ purse: b.purse, currency: b.currency, available: (0, money_1.formatMinor)(b.availableMinor), reserved: (0, money_1.formatMinor)(b.reservedMinor) })),
        cards: overview.cards.map((c) => ({
            csn: c.csn,
            blocked: c.blocked,
            maxBalance: (0, money_1.formatMinor)(c.maxBalanceMinor),
            purses: c.purses.map((p) => ({ purse: p.purse, lastKnown: p.lastKnownMinor === null ? null : (0, money_1.formatMinor)(p.lastKnownMinor) })),
        })),
        readers: overview.readers.map((r) => ({ readerId: r.readerId, label: r.label })),
    };
}
function settlementJson(view) {
    return {
        settlementId: view.settlementId,
        fileName: view.fileName,
        state: view.state,
        recordCount: view.recordCount,
        reason: view.reason,
        startedAt: view.startedAt.toISOString(),
        totals: view.totals.map((t) => ({ purse: t.purse, accepted: (0, money_1.formatMinor)(t.acceptedMinor), acceptedCount: t.accepted, refusedCount: t.refused })),
    };
}
function recordsJson(page) {
    return {
        offset: page.offset,
        limit: page.limit,
        hasMore: page.hasMore,
        records: page.records.map((r) => ({ index: r.index, csn: r.csn, purse: r.purse, amount: (0, money_1.formatMinor)(r.amountMinor), verdict: r.verdict, reason: r.reason })),
    };
}
function attentionJson(ctx, item) {
    return {
        workflowId: item.workflowId,
        kind: item.kind,
        summary: item.summary,
        since: item.since.toISOString(),
        evidence: [...item.evidence],
        actions: [...item.actions],
        temporalLink: (0, operator_actions_1.temporalWorkflowLink)(ctx, item.workflowId),
    };
}
