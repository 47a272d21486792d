/**
 * The voucher activities of the server worker: scan a stored CSV into chunks of whole lines, then
 * issue each chunk's vouchers (programme → customer_food, single phase) in one ledger call. A
 * voucher's transfer id is named by the file's hash and its line, exactly as the registry names a
 * food voucher (`funding/food_voucher/<voucher id>`), so a re-run, a retried activity or the
 * registry's own issueFoodVoucher with the same voucher id can never issue it twice.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type { Knex } from 'knex';
import { MAX_BATCH_EVENTS, type Ledger, type TransferInput } from '../../ledger';
import { nameBasedId, Registry, TRANSFER_CODE } from '../registry';
import { assertSettlement } from '../settlement/settlement-error';
import type { StoredUpload } from '../settlement/settlement-types';
import { claimVouchers, issuanceOutcome, settleClaims, voucherClaims, type IssuanceOutcome } from './voucher-issuances';
import { isBlankLine, isVoucherHeader, parseVoucherLine, voucherIdOf, type VoucherRow } from './voucher-rows';
import { VOUCHER_FILE_REJECTIONS, type RejectedVoucherRow, type VoucherChunk, type VoucherChunkSummary, type VoucherFileRejectionReason, type VoucherFileScan } from './voucher-types';

export interface VoucherActivityDeps {
  readonly db: Knex;
  readonly ledger: Ledger;
}

// A voucher file is read whole by the scan; far above any programme's list, far below memory trouble.
const MAX_FILE_BYTES = 256 * 1024 * 1024;

const refuse = (reason: VoucherFileRejectionReason, detail?: string): VoucherFileScan => ({
  accepted: false,
  reason,
  message: detail ? `${VOUCHER_FILE_REJECTIONS[reason]} (${detail})` : VOUCHER_FILE_REJECTIONS[reason],
});

/** Splits a buffer into lines with their byte offsets; `\r\n` and `\n` both end a line. */
export function linesOf(bytes: Buffer): { start: number; end: number; text: string }[] {
  const lines: { start: number; end: number; text: string }[] = [];
  let start = 0;
  while (start < bytes.length) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline === -1 ? bytes.length : newline + 1;
    lines.push({ start, end, text: bytes.toString('utf8', start, end).replace(/\r?\n$/, '') });
    start = end;
  }
  return lines;
}

/** The voucher transfer id the registry would use for the same voucher id. */
export function voucherTransferId(voucherId: string): string {
  return nameBasedId(`funding/food_voucher/${voucherId}`);
}

export function createVoucherActivities(deps: VoucherActivityDeps) {
  const { db, ledger } = deps;

  return {
    async scanVoucherFile(input: { upload: StoredUpload; rowsPerChunk: number }): Promise<VoucherFileScan> {
      // A chunk's vouchers go to the ledger in one call, which takes at most MAX_BATCH_EVENTS.
      const rowsPerChunk = Math.max(1, Math.min(Math.floor(input.rowsPerChunk), MAX_BATCH_EVENTS));
      let bytes: Buffer;
      try {
        const stat = await fs.promises.stat(input.upload.path);
        if (stat.size > MAX_FILE_BYTES) return refuse('file_unreadable', `larger than ${MAX_FILE_BYTES} bytes; split the file`);
        bytes = await fs.promises.readFile(input.upload.path);
      } catch (err) {
        return refuse('file_unreadable', (err as NodeJS.ErrnoException).code);
      }
      if (createHash('sha256').update(bytes).digest('hex') !== input.upload.sha256) return refuse('file_changed');
      const lines = linesOf(bytes);
      if (lines.length === 0 || !isVoucherHeader(lines[0].text)) return refuse('header_missing');
      const chunks: VoucherChunk[] = [];
      let rows = 0;
      let current: { fromByte: number; firstLine: number; rows: number } | undefined;
      for (let i = 1; i < lines.length; i++) {
        if (isBlankLine(lines[i].text)) continue;
        current ??= { fromByte: lines[i].start, firstLine: i + 1, rows: 0 };
        current.rows++;
        rows++;
        if (current.rows === rowsPerChunk) {
          chunks.push({ ...current, toByte: lines[i].end });
          current = undefined;
        }
      }
      if (current) chunks.push({ ...current, toByte: bytes.length });
      return { accepted: true, rows, chunks };
    },

    async issueVoucherChunk(input: { upload: StoredUpload; chunk: VoucherChunk; issuingRun: string }): Promise<VoucherChunkSummary> {
      const { chunk, upload } = input;
      assertSettlement(typeof input.issuingRun === 'string' && input.issuingRun.length > 0, 'issueVoucherChunk is told which run issues the vouchers');
      const handle = await fs.promises.open(upload.path, 'r');
      let bytes: Buffer;
      try {
        bytes = Buffer.alloc(chunk.toByte - chunk.fromByte);
        await handle.read(bytes, 0, bytes.length, chunk.fromByte);
      } finally {
        await handle.close();
      }
      const rejections: RejectedVoucherRow[] = [];
      const candidates: VoucherRow[] = [];
      linesOf(bytes).forEach((l, i) => {
        if (isBlankLine(l.text)) return;
        const parsed = parseVoucherLine(chunk.firstLine + i, l.text);
        if (parsed.ok) candidates.push(parsed.row);
        else rejections.push(parsed.rejection);
      });

      const customers: { id: string; food_account_id: string }[] = candidates.length
        ? await db('registry_customers').whereIn('id', [...new Set(candidates.map((r) => r.customerId))]).select('id', 'food_account_id')
        : [];
      const foodAccount = new Map(customers.map((c) => [c.id, c.food_account_id]));
      const issuable: VoucherRow[] = [];
      for (const row of candidates) {
        if (foodAccount.has(row.customerId)) issuable.push(row);
        else rejections.push({ line: row.line, reason: 'unknown_customer', text: `${row.customerId}` });
      }

      let issued = 0;
      let alreadyIssued = 0;
      let issuedMinor = 0n;
      if (issuable.length > 0) {
        const programme = Registry.platformAccountId('programme');
        const voucherIds = issuable.map((row) => voucherIdOf(upload.sha256, row.line));
        const transfers: TransferInput[] = issuable.map((row, i) => ({
          id: voucherTransferId(voucherIds[i]),
          debitAccountId: programme,
          creditAccountId: foodAccount.get(row.customerId)!,
          amount: row.amountMinor,
          code: TRANSFER_CODE.foodVoucher,
          userData: voucherIds[i],
        }));
        // Claim before the ledger call, so a retry after a death between the ledger write and the
        // bookkeeping below still knows the voucher was this run's.
        const earlier = await voucherClaims(db, voucherIds);
        const unclaimed = transfers.map((t, i) => ({ voucherId: voucherIds[i], transferId: t.id })).filter((c) => !earlier.has(c.voucherId));
        const held = new Set(unclaimed.length ? (await ledger.lookupTransfers(unclaimed.map((c) => c.transferId))).map((t) => t.id) : []);
        await claimVouchers(db, input.issuingRun, unclaimed.map((c) => ({ voucherId: c.voucherId, heldByLedger: held.has(c.transferId) })));
        const claims = await voucherClaims(db, voucherIds);

        const outcomes = await ledger.createTransfers(transfers);
        const fundings: Record<string, string>[] = [];
        const settled: { voucherId: string; outcome: IssuanceOutcome }[] = [];
        outcomes.forEach((outcome, i) => {
          const row = issuable[i];
          if (outcome.result !== 'ok' && outcome.result !== 'exists') {
            rejections.push({ line: row.line, reason: 'ledger_refused', text: `${row.customerId} (${outcome.result})` });
            return;
          }
          const verdict = issuanceOutcome(outcome.result, claims.get(voucherIds[i]), input.issuingRun);
          settled.push({ voucherId: voucherIds[i], outcome: verdict });
          if (verdict === 'issued') {
            issued++;
            issuedMinor += row.amountMinor;
          } else alreadyIssued++;
          fundings.push({
            id: voucherIds[i],
            kind: 'food_voucher',
            customer_id: row.customerId,
            amount_minor: row.amountMinor.toString(),
            transfer_id: transfers[i].id,
          });
        });
        // The registry's record of fundings, as registry.issueFoodVoucher keeps it, and this run's
        // outcomes: together, so a retry finds both or neither.
        await db.transaction(async (trx) => {
          if (fundings.length > 0) await trx('registry_fundings').insert(fundings).onConflict('id').ignore();
          await settleClaims(trx, input.issuingRun, settled);
        });
      }
      rejections.sort((a, b) => a.line - b.line);
      return { rows: chunk.rows, issued, alreadyIssued, issuedMinor: issuedMinor.toString(), rejections };
    },
  };
}

export type VoucherActivities = ReturnType<typeof createVoucherActivities>;
