"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.uploadSettlement = uploadSettlement;
exports.megabytes = megabytes;
exports.merchantSettlement = merchantSettlement;
exports.merchantSettlements = merchantSettlements;
exports.settlementRecords = settlementRecords;
exports.settlementCsv = settlementCsv;
const promises_1 = require("node:stream/promises");
const errors_1 = require("./errors");
const estb_upload_1 = require("./estb-upload");
const money_1 = require("./money");
const session_1 = require("./session");
async function uploadSettlement(ctx, merchant, upload) {
    if (!upload)
        throw new errors_1.PortalError('upload_missing', 'Choose the .estb file to upload.', { field: 'file' });
    if (!/\.estb$/i.test(upload.fileName)) {
        upload.content.resume(); // drain, or the request never completes (portal-notes §1, multipart)
        throw new errors_1.PortalError('upload_not_estb', 'Only .estb settlement files are taken; choose the file your Transfer card exported.', { field: 'file' });
    }
    const gate = new estb_upload_1.EstbUploadGate(ctx.limits.uploadMaxRecords);
    const tooLarge = () => new errors_1.PortalError('upload_too_large', `The file is larger than ${megabytes(ctx.limits.uploadMaxBytes)} MB; split the batch on the Transfer card.`, { field: 'file' });
    // The multipart parser cuts a file at the size limit and marks it truncated; the gate would
    // then see a short file, so the size limit is checked first.
    const cutAtLimit = () => upload.content.truncated === true;
    upload.content.on('limit', () => gate.destroy(tooLarge()));
    // The gate stops the stream at the first problem; its error (not the consumer's) is the answer.
    let gateError;
    const gated = (0, promises_1.pipeline)(upload.content, gate).catch((err) => {
        gateError = err;
    });
    try {
        const view = await ctx.workflows.startSettlement({
            merchantId: merchant.merchantId,
            fileName: upload.fileName,
            content: gate,
            maxBytes: ctx.limits.uploadMaxBytes,
            maxRecords: ctx.limits.uploadMaxRecords,
        });
        await gated;
        if (gateError || cutAtLimit())
            throw refusal(undefined);
        return view;
    }
    catch (err) {
        await gated;
        throw refusal(err);
    }
    function refusal(err) {
        // What the header said (too many records) is the most precise answer; then the size limit.
        if (gateError instanceof errors_1.PortalError && gateError.code === 'upload_too_many_records')
            return gateError;
        if (cutAtLimit())
            return tooLarge();
        return gateError ?? err;
    }
}
function megabytes(bytes) {
    return (bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1);
}
async function merchantSettlement(ctx, merchant, settlementId) {
    const view = await ctx.workflows.settlement(settlementId);
    if (!view || view.merchantId !== merchant.merchantId)
        throw (0, session_1.notFound)();
    return view;
}
async function merchantSettlements(ctx, merchant) {
    const views = await ctx.workflows.settlementsOf(merchant.merchantId);
    return views.filter((v) => v.merchantId === merchant.merchantId);
}
async function settlementRecords(ctx, merchant, settlementId, query) {
    await merchantSettlement(ctx, merchant, settlementId);
    const verdict = query.verdict === 'accepted' || query.verdict === 'refused' ? query.verdict : undefined;
    if (query.verdict !== undefined && query.verdict !== '' && !verdict)
        throw new errors_1.PortalError('input_invalid', 'Filter by verdict "accepted" or "refused", or leave it empty for all records.', { field: 'verdict' });
    const offset = Number(query.offset ?? 0);
    const limit = Number(query.limit ?? ctx.limits.recordsPageSize);
    if (!Number.isSafeInteger(offset) || offset < 0)
        throw new errors_1.PortalError('input_invalid', 'offset must be a whole number, 0 or more.', { field: 'offset' });
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 500)
        throw new errors_1.PortalError('input_invalid', 'limit must be a whole number from 1 to 500.', { field: 'limit' });
    // One more than asked tells whether a next page exists.
    const rows = await ctx.workflows.settlementRecords(settlementId, { verdict, offset, limit: limit + 1 });
    return { verdict, offset, limit, records: rows.slice(0, limit), hasMore: rows.length > limit };
}
/** All records of a settlement as CSV, page by page, so that a large file is never held whole. */
async function* settlementCsv(ctx, merchant, settlementId) {
    await merchantSettlement(ctx, merchant, settlementId);
    yield 'record,card,purse,amount,verdict,reason\n';
    const pageSize = 500;
    for (let offset = 0;; offset += pageSize) {
        const rows = await ctx.workflows.settlementRecords(settlementId, { offset, limit: pageSize });
        for (const r of rows)
            yield `${r.index},${r.csn},${r.purse},${(0, money_1.formatMinor)(r.amountMinor)},${r.verdict},${csvField(r.reason ?? '')}\n`;
        if (rows.length < pageSize)
            return;
    }
}
function csvField(text) {
    // Quote always and neutralise spreadsheet formulas (a reason could start with "=").
    const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
    return `"${safe.replace(/"/g, '""')}"`;
}
