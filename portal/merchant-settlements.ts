import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PortalContext } from './context';
import { PortalError } from './errors';
import { EstbUploadGate } from './estb-upload';
import { formatMinor } from './money';
import type { SettlementRecordView, SettlementVerdict, SettlementView } from './ports';
import { notFound } from './session';

/**
 * What a merchant can do: upload a `.estb` file and read the results of their own settlements.
 * Served by the JSON API and the pages alike; another merchant's settlement answers "not found".
 */
export interface MerchantRef {
  readonly merchantId: string;
}

export interface UploadedFile {
  readonly fileName: string;
  readonly content: Readable;
}

/** Uploads are counted by outcome: `started` (handed to the workflow) or the refusal's code. */
export async function uploadSettlement(ctx: PortalContext, merchant: MerchantRef, upload: UploadedFile | undefined): Promise<SettlementView> {
  let bytes = 0;
  try {
    const view = await gatedUpload(ctx, merchant, upload, (n) => (bytes = n));
    ctx.metrics.observeUpload('started', bytes);
    return view;
  } catch (err) {
    ctx.metrics.observeUpload(err instanceof PortalError ? err.code : 'error', bytes);
    throw err;
  }
}

async function gatedUpload(ctx: PortalContext, merchant: MerchantRef, upload: UploadedFile | undefined, counted: (bytes: number) => void): Promise<SettlementView> {
  if (!upload) throw new PortalError('upload_missing', 'Choose the .estb file to upload.', { field: 'file' });
  if (!/\.estb$/i.test(upload.fileName)) {
    upload.content.resume(); // drain, or the request never completes (portal-notes §1, multipart)
    throw new PortalError('upload_not_estb', 'Only .estb settlement files are taken; choose the file your Transfer card exported.', { field: 'file' });
  }
  const gate = new EstbUploadGate(ctx.limits.uploadMaxRecords);
  const tooLarge = () =>
    new PortalError('upload_too_large', `The file is larger than ${megabytes(ctx.limits.uploadMaxBytes)} MB; split the batch on the Transfer card.`, { field: 'file' });
  // The multipart parser cuts a file at the size limit and marks it truncated; the gate would
  // then see a short file, so the size limit is checked first.
  const cutAtLimit = () => (upload.content as Readable & { truncated?: boolean }).truncated === true;
  upload.content.on('limit', () => gate.destroy(tooLarge()));
  // The gate stops the stream at the first problem; its error (not the consumer's) is the answer.
  let gateError: unknown;
  const gated = pipeline(upload.content, gate).catch((err: unknown) => {
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
    counted(gate.bytes);
    if (gateError || cutAtLimit()) throw refusal(undefined);
    return view;
  } catch (err) {
    await gated;
    throw refusal(err);
  }

  function refusal(err: unknown): unknown {
    // What the header said (too many records) is the most precise answer; then the size limit.
    if (gateError instanceof PortalError && gateError.code === 'upload_too_many_records') return gateError;
    if (cutAtLimit()) return tooLarge();
    return gateError ?? err;
  }
}

export function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1);
}

export async function merchantSettlement(ctx: PortalContext, merchant: MerchantRef, settlementId: string): Promise<SettlementView> {
  const view = await ctx.workflows.settlement(settlementId);
  if (!view || view.merchantId !== merchant.merchantId) throw notFound();
  return view;
}

export async function merchantSettlements(ctx: PortalContext, merchant: MerchantRef): Promise<readonly SettlementView[]> {
  const views = await ctx.workflows.settlementsOf(merchant.merchantId);
  return views.filter((v) => v.merchantId === merchant.merchantId);
}

export interface RecordsQuery {
  readonly verdict?: unknown;
  readonly offset?: unknown;
  readonly limit?: unknown;
}

export interface RecordsPage {
  readonly verdict: SettlementVerdict | undefined;
  readonly offset: number;
  readonly limit: number;
  readonly records: readonly SettlementRecordView[];
  readonly hasMore: boolean;
}

export async function settlementRecords(ctx: PortalContext, merchant: MerchantRef, settlementId: string, query: RecordsQuery): Promise<RecordsPage> {
  await merchantSettlement(ctx, merchant, settlementId);
  const verdict = query.verdict === 'accepted' || query.verdict === 'refused' ? query.verdict : undefined;
  if (query.verdict !== undefined && query.verdict !== '' && !verdict) throw new PortalError('input_invalid', 'Filter by verdict "accepted" or "refused", or leave it empty for all records.', { field: 'verdict' });
  const offset = Number(query.offset ?? 0);
  const limit = Number(query.limit ?? ctx.limits.recordsPageSize);
  if (!Number.isSafeInteger(offset) || offset < 0) throw new PortalError('input_invalid', 'offset must be a whole number, 0 or more.', { field: 'offset' });
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 500) throw new PortalError('input_invalid', 'limit must be a whole number from 1 to 500.', { field: 'limit' });
  // One more than asked tells whether a next page exists.
  const rows = await ctx.workflows.settlementRecords(settlementId, { verdict, offset, limit: limit + 1 });
  return { verdict, offset, limit, records: rows.slice(0, limit), hasMore: rows.length > limit };
}

/** All records of a settlement as CSV, page by page, so that a large file is never held whole. */
export async function* settlementCsv(ctx: PortalContext, merchant: MerchantRef, settlementId: string): AsyncGenerator<string> {
  await merchantSettlement(ctx, merchant, settlementId);
  yield 'record,card,purse,amount,verdict,reason\n';
  const pageSize = 500;
  for (let offset = 0; ; offset += pageSize) {
    const rows = await ctx.workflows.settlementRecords(settlementId, { offset, limit: pageSize });
    for (const r of rows) yield `${r.index},${r.csn},${r.purse},${formatMinor(r.amountMinor)},${r.verdict},${csvField(r.reason ?? '')}\n`;
    if (rows.length < pageSize) return;
  }
}

function csvField(text: string): string {
  // Quote always and neutralise spreadsheet formulas (a reason could start with "=").
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}
