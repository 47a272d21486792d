"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.renderPage = renderPage;
exports.registerPageRoutes = registerPageRoutes;
const node_crypto_1 = require("node:crypto");
const customer_downloads_1 = require("../customer-downloads");
const download_presenter_1 = require("../download-presenter");
const errors_1 = require("../errors");
const merchant_settlements_1 = require("../merchant-settlements");
const money_1 = require("../money");
const operator_actions_1 = require("../operator-actions");
const session_1 = require("../session");
const sign_in_1 = require("../sign-in");
const api_1 = require("./api");
/**
 * The pages: server-rendered, POST-redirect-GET, each calling the same handler as its JSON API
 * route. A refused form is shown again with the reason beside the field.
 */
async function renderPage(ctx, request, reply, view, model) {
    const user = request.portalUser;
    const layout = {
        title: model.title,
        user: user ? { email: user.email, role: user.role } : null,
        csrfToken: (0, session_1.csrfTokenFor)(request, reply),
        notice: model.notice ?? null,
    };
    const html = ctx.views.render(view, { ...model, ...layout });
    await reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
}
function formError(err) {
    if (!(0, errors_1.isPortalError)(err))
        throw err;
    return { code: err.code, message: err.message, field: err.field ?? null };
}
/** A handler's PortalError becomes the form's error; anything else goes to the error page. */
async function refusedForm(reply, err, render) {
    const error = formError(err);
    // Errors that are not about the form (not found, signed out) answer like any other request.
    if (err instanceof errors_1.PortalError && (err.code === 'not_found' || err.code === 'not_signed_in' || err.code === 'session_expired'))
        throw err;
    reply.status(err.status);
    await render(error);
}
const KIND_LABEL = {
    download_stuck: 'Download waiting too long',
    settlement_stuck: 'Settlement waiting too long',
    code_entry_locked: 'Code entry locked',
    card_flagged: 'Card flagged by settlement',
};
function csnDisplay(csn) {
    return csn.replace(/(\d{4})(?=\d)/g, '$1 ');
}
function settlementRow(view) {
    return {
        settlementId: view.settlementId,
        fileName: view.fileName,
        state: view.state,
        recordCount: view.recordCount,
        startedAt: view.startedAt.toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
        reason: view.reason,
        totals: view.totals.map((t) => ({ purseLabel: download_presenter_1.PURSE_LABEL[t.purse], accepted: (0, money_1.formatMinor)(t.acceptedMinor), acceptedCount: t.accepted, refusedCount: t.refused })),
    };
}
function registerPageRoutes(app, ctx) {
    const customer = (0, session_1.requireRole)('customer');
    const merchant = (0, session_1.requireRole)('merchant');
    const operator = (0, session_1.requireRole)('operator');
    const page = { schema: { hide: true } };
    app.get('/', page, async (request, reply) => reply.redirect((0, sign_in_1.homeOf)(request.portalUser), 303));
    app.get('/sign-in', page, async (request, reply) => {
        if (request.portalUser)
            return reply.redirect((0, sign_in_1.homeOf)(request.portalUser), 303);
        const expired = request.query.expired === '1' || request.sessionLapsed;
        const next = typeof request.query.next === 'string' ? request.query.next : null;
        await renderPage(ctx, request, reply, 'sign-in', { title: 'Sign in', email: '', error: null, next, notice: expired ? 'Your session has expired; sign in again.' : null });
    });
    app.post('/sign-in', { ...page, config: { rateLimit: { max: ctx.limits.signInPerMinute, timeWindow: 60_000 } } }, async (request, reply) => {
        try {
            const user = await (0, sign_in_1.signIn)(ctx, request, request.body ?? {});
            return reply.redirect((0, sign_in_1.afterSignIn)(user, request.query.next), 303);
        }
        catch (err) {
            const next = typeof request.query.next === 'string' ? request.query.next : null;
            await refusedForm(reply, err, (error) => renderPage(ctx, request, reply, 'sign-in', { title: 'Sign in', email: String(request.body?.email ?? ''), error, next }));
        }
    });
    app.post('/sign-out', page, async (request, reply) => {
        (0, sign_in_1.signOut)(request);
        return reply.redirect('/sign-in', 303);
    });
    // Customer
    async function customerHome(request, reply, form, error) {
        const overview = await (0, customer_downloads_1.customerOverview)(ctx, (0, session_1.userOfRole)(request, 'customer'));
        const text = (v) => (typeof v === 'string' ? v : '');
        await renderPage(ctx, request, reply, 'customer', {
            title: 'Your balances',
            balances: overview.balances.map((b) => ({ purseLabel: download_presenter_1.PURSE_LABEL[b.purse], currency: b.currency, available: (0, money_1.formatMinor)(b.availableMinor), reserved: (0, money_1.formatMinor)(b.reservedMinor) })),
            cards: overview.cards.map((c) => ({
                csn: c.csn,
                csnDisplay: csnDisplay(c.csn),
                blocked: c.blocked,
                maxBalance: (0, money_1.formatMinor)(c.maxBalanceMinor),
                purses: c.purses.map((p) => ({ label: download_presenter_1.PURSE_LABEL[p.purse], lastKnown: p.lastKnownMinor === null ? 'not read yet' : (0, money_1.formatMinor)(p.lastKnownMinor) })),
            })),
            readers: overview.readers,
            form: {
                csn: text(form.csn),
                purse: text(form.purse),
                amount: text(form.amount),
                mode: text(form.mode) || (overview.readers.length > 0 ? 'connected' : 'offline'),
                readerId: text(form.readerId),
                // A fresh id per form: submitting the same form twice starts one download.
                requestId: error && typeof form.requestId === 'string' ? form.requestId : (0, node_crypto_1.randomUUID)(),
            },
            error,
        });
    }
    app.get('/customer', { ...page, onRequest: customer }, async (request, reply) => customerHome(request, reply, {}, null));
    app.post('/customer/downloads', { ...page, onRequest: customer }, async (request, reply) => {
        try {
            const view = await (0, customer_downloads_1.startCustomerDownload)(ctx, (0, session_1.userOfRole)(request, 'customer'), request.body ?? {});
            return reply.redirect(`/customer/downloads/${encodeURIComponent(view.downloadId)}`, 303);
        }
        catch (err) {
            await refusedForm(reply, err, (error) => customerHome(request, reply, request.body ?? {}, error));
        }
    });
    async function downloadPage(request, reply, downloadId, error) {
        const view = await (0, customer_downloads_1.customerDownload)(ctx, (0, session_1.userOfRole)(request, 'customer'), downloadId);
        const presented = (0, download_presenter_1.presentDownload)(view);
        await renderPage(ctx, request, reply, 'download', {
            title: `Download of ${presented.amount} ${presented.purseLabel}`,
            download: presented,
            prompt: (0, download_presenter_1.codePrompt)(view),
            error,
            formNonce: (0, node_crypto_1.randomUUID)(),
        });
    }
    app.get('/customer/downloads/:id', { ...page, onRequest: customer }, async (request, reply) => downloadPage(request, reply, request.params.id, null));
    const codePages = [
        ['request-code', 'request'],
        ['confirmation-code', 'confirmation'],
        ['not-loaded', 'not_loaded'],
    ];
    for (const [path, submission] of codePages) {
        app.post(`/customer/downloads/:id/${path}`, { ...page, onRequest: customer, config: { rateLimit: (0, api_1.codeEntryLimit)(ctx) } }, async (request, reply) => {
            const id = request.params.id;
            try {
                await (0, customer_downloads_1.submitDownloadCode)(ctx, (0, session_1.userOfRole)(request, 'customer'), id, submission, request.body?.code, request.body?.updateId);
                return reply.redirect(`/customer/downloads/${encodeURIComponent(id)}`, 303);
            }
            catch (err) {
                await refusedForm(reply, err, (error) => downloadPage(request, reply, id, error));
            }
        });
    }
    app.get('/customer/history', { ...page, onRequest: customer }, async (request, reply) => {
        const downloads = await (0, customer_downloads_1.customerDownloads)(ctx, (0, session_1.userOfRole)(request, 'customer'));
        await renderPage(ctx, request, reply, 'history', { title: 'Your downloads', downloads: downloads.map(download_presenter_1.presentDownload) });
    });
    // Merchant
    async function merchantHome(request, reply, error) {
        const settlements = await (0, merchant_settlements_1.merchantSettlements)(ctx, (0, session_1.userOfRole)(request, 'merchant'));
        await renderPage(ctx, request, reply, 'merchant', {
            title: 'Settlements',
            settlements: settlements.map(settlementRow),
            maxMegabytes: (0, merchant_settlements_1.megabytes)(ctx.limits.uploadMaxBytes),
            maxRecords: ctx.limits.uploadMaxRecords,
            error,
        });
    }
    app.get('/merchant', { ...page, onRequest: merchant }, async (request, reply) => merchantHome(request, reply, null));
    app.post('/merchant/settlements', { ...page, onRequest: merchant }, async (request, reply) => {
        try {
            const file = await request.file();
            const view = await (0, merchant_settlements_1.uploadSettlement)(ctx, (0, session_1.userOfRole)(request, 'merchant'), file && { fileName: file.filename, content: file.file });
            return reply.redirect(`/merchant/settlements/${encodeURIComponent(view.settlementId)}`, 303);
        }
        catch (err) {
            await refusedForm(reply, err, (error) => merchantHome(request, reply, error));
        }
    });
    app.get('/merchant/settlements/:id', { ...page, onRequest: merchant }, async (request, reply) => {
        const me = (0, session_1.userOfRole)(request, 'merchant');
        const view = await (0, merchant_settlements_1.merchantSettlement)(ctx, me, request.params.id);
        const records = await (0, merchant_settlements_1.settlementRecords)(ctx, me, request.params.id, { verdict: request.query.verdict, offset: request.query.offset });
        await renderPage(ctx, request, reply, 'settlement', {
            title: `Settlement ${view.fileName}`,
            settlement: settlementRow(view),
            records: records.records.map((r) => ({
                index: r.index,
                csnDisplay: csnDisplay(r.csn),
                purseLabel: download_presenter_1.PURSE_LABEL[r.purse],
                amount: (0, money_1.formatMinor)(r.amountMinor),
                verdict: r.verdict,
                reason: r.reason ?? '',
            })),
            verdict: records.verdict ?? '',
            offset: records.offset,
            limit: records.limit,
            hasMore: records.hasMore,
            live: view.state === 'running',
        });
    });
    app.get('/merchant/settlements/:id/records.csv', { ...page, onRequest: merchant }, async (request, reply) => reply.redirect(`/api/v1/settlements/${encodeURIComponent(request.params.id)}/records.csv`, 303));
    // Operator
    async function operatorHome(request, reply, error, notice) {
        const items = await (0, operator_actions_1.attentionItems)(ctx);
        await renderPage(ctx, request, reply, 'operator', {
            title: 'Needs attention',
            notice,
            temporalUiUrl: ctx.temporalUiUrl,
            error,
            items: items.map((item) => ({
                workflowId: item.workflowId,
                kindLabel: KIND_LABEL[item.kind],
                summary: item.summary,
                since: item.since.toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
                evidence: item.evidence,
                actions: item.actions.map((a) => ({ value: a, label: operator_actions_1.ACTION_LABEL[a] })),
                temporalLink: (0, operator_actions_1.temporalWorkflowLink)(ctx, item.workflowId),
            })),
        });
    }
    app.get('/operator', { ...page, onRequest: operator }, async (request, reply) => {
        // The notice is rebuilt from known words only, so a crafted link cannot put text on the page.
        const action = Object.keys(operator_actions_1.ACTION_LABEL).find((a) => a === request.query.done);
        const item = typeof request.query.item === 'string' && /^[A-Za-z0-9_.:-]{1,200}$/.test(request.query.item) ? request.query.item : null;
        await operatorHome(request, reply, null, action && item ? `Done: ${operator_actions_1.ACTION_LABEL[action]} on ${item}.` : null);
    });
    app.post('/operator/items/:id/actions', { ...page, onRequest: operator }, async (request, reply) => {
        try {
            await (0, operator_actions_1.applyOperatorAction)(ctx, (0, session_1.userOfRole)(request, 'operator'), request.params.id, request.body ?? {});
            return reply.redirect(`/operator?done=${encodeURIComponent(String(request.body?.action))}&item=${encodeURIComponent(request.params.id)}`, 303);
        }
        catch (err) {
            await refusedForm(reply, err, (error) => operatorHome(request, reply, error, null));
        }
    });
}
