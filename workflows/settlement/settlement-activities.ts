/**
 * The settlement activities of the server worker. Each takes a batch key and a chunk index (never
 * records), is idempotent, and reports counts; the records themselves live in the stored upload
 * and, once decided, in settlement_records.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { Transform } from 'node:stream';
import { heartbeat } from '@temporalio/activity';
import type { Knex } from 'knex';
import { isTransferApplied, type Ledger, type TransferInput } from '../../ledger';
import { EstbError, scanEstb, type EstbErrorCode, type EstbHeader, type KeyStore } from '../../card-driver';
import { TRANSFER_CODE } from '../registry';
import { decideChunk, purseOfKey, PURSE_ECASH } from './record-verdict';
import { cardStandings, floatAccountId, addSettledPurchases, lockPurseShadows, readPurseShadows, recordPurchaseMovements, samOwners, settlingMerchant, transferCardOwner, type SettlingMerchant } from './registry-facts';
import { FILE_REJECTION_REASONS, type FileRejectionReason } from './rejection-reasons';
import { assertSettlement, SettlementError } from './settlement-error';
import {
  batchTotals,
  chunkOutcome,
  chunkPlan,
  claimChunk,
  discardBatch,
  dropStagedRecords,
  findBatch,
  flagOverspends,
  insertDecidedRecords,
  isVerified,
  recordChunkOutcome,
  registerCheckedBatch,
  rejectedRecords,
  settledPairs,
  stagedChunkRecords,
  type ChunkPlan,
  type RegisteredBatch,
  type StagedRecord,
} from './settlement-store';
import { ChunkPlanner, readChunkRecords, readStoredHeader, StoredFileError } from './settlement-file';
import { RESULT_REJECTIONS_LIMIT, type ChunkRef, type ChunkSummary, type FileVerification, type SettledBatch, type StoredUpload } from './settlement-types';
import { settlementPendingId, settlementPostId } from './transfer-ids';
import { payOutMerchant } from './merchant-payout';

export interface SettlementActivityDeps {
  readonly db: Knex;
  readonly ledger: Ledger;
  readonly keys: KeyStore;
  /** Called while a long file is read and as each chunk step goes on; the worker passes Temporal's heartbeat. */
  readonly heartbeat?: (details?: unknown) => void;
}

export interface VerifyFileInput {
  readonly batchKey: string;
  readonly merchantId: string;
  readonly transferCardId: string;
  readonly batchSeq: number;
  readonly upload: StoredUpload;
  readonly chunkRecords: number;
}

export function fileReasonOf(code: EstbErrorCode): FileRejectionReason {
  switch (code) {
    case 'file_unreadable':
      return 'file_unreadable';
    case 'truncated':
    case 'trailing_bytes':
    case 'record_count_mismatch':
      return 'truncated';
    case 'too_short':
    case 'bad_magic':
    case 'unsupported_version':
    case 'header_padding':
    case 'invalid_record':
      return 'not_an_estb_file';
  }
}

const refuse = (reason: FileRejectionReason, detail?: string): FileVerification => ({
  accepted: false,
  reason,
  message: detail ? `${FILE_REJECTION_REASONS[reason]} (${detail})` : FILE_REJECTION_REASONS[reason],
});

export function chunkRange(batch: RegisteredBatch, chunkIndex: number): { from: number; to: number } {
  const from = chunkIndex * batch.chunkRecords;
  assertSettlement(Number.isInteger(chunkIndex) && chunkIndex >= 0 && from < Math.max(batch.recordCount, 1), `chunk ${chunkIndex} lies inside batch ${batch.batchKey}`);
  return { from, to: Math.min(from + batch.chunkRecords, batch.recordCount) };
}

const NO_SETTLED_PAIRS = { cardAtc: new Map<string, string>(), samSeq: new Map<string, string>() };

/** An optimistic chunk decision found a purse spent by a concurrent chunk; it is decided again, locked. */
class ChunkRaceLost extends Error {
  readonly code = 'chunk_race_lost';
  constructor() {
    super('A purse of this chunk was spent by a chunk decided at the same moment; the chunk is decided again with its purses locked.');
  }
}

/** The ways a concurrent chunk can make an optimistic decision roll back (PostgreSQL SQLSTATEs: unique violation, deadlock). */
function isLostRace(err: unknown): boolean {
  if (err instanceof ChunkRaceLost) return true;
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return code === '23505' || code === '40P01';
}

export function createSettlementActivities(deps: SettlementActivityDeps) {
  const { db, ledger, keys } = deps;
  const beat = deps.heartbeat ?? ((details?: unknown) => heartbeat(details));

  async function checkedBatch(ref: { batchKey: string; merchantId: string }): Promise<RegisteredBatch> {
    const batch = await findBatch(db, ref.batchKey);
    assertSettlement(batch, `batch ${ref.batchKey} was registered by verifySettlementFile`);
    assertSettlement(batch.merchantId === ref.merchantId, `batch ${ref.batchKey} belongs to merchant ${ref.merchantId}`);
    // A batch the earlier code staged whole (verified before an upgrade) is decided from its staged rows.
    assertSettlement(isVerified(batch), `batch ${ref.batchKey} was verified before its chunks are decided`);
    return batch;
  }

  async function merchantOf(merchantId: string): Promise<SettlingMerchant> {
    const merchant = await settlingMerchant(db, merchantId);
    if (!merchant) throw new SettlementError('merchant_unknown', `Merchant ${merchantId} is not enrolled; enrol it (purseflow merchants enrol) before settling its files.`);
    return merchant;
  }

  async function applyTransfers(step: string, transfers: TransferInput[]): Promise<void> {
    if (transfers.length === 0) return;
    const outcomes = await ledger.createTransfers(transfers);
    const refused = outcomes.filter((o) => !isTransferApplied(o.result));
    if (refused.length > 0) {
      throw new SettlementError(
        'ledger_refused',
        `The ledger refused the settlement ${step} ${refused.map((o) => `${o.id}: ${o.result}`).join(', ')}; run purseflow ledger check and check the merchant's and the floats' accounts, then retry the workflow.`,
      );
    }
  }

  /**
   * One pass over the stored file: header, size, file MAC, SHA-256 (card-driver's scanEstb, no
   * record checked), and the chunk plans. Nothing is written: the caller registers the batch only
   * when the file holds.
   */
  async function passOverFile(upload: StoredUpload, chunkRecords: number): Promise<{ verdict: 'whole'; header: EstbHeader; plans: ChunkPlan[] } | { verdict: 'refused'; refusal: FileVerification }> {
    const sha256 = createHash('sha256');
    const source = fs.createReadStream(upload.path, { highWaterMark: 1 << 20 });
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        sha256.update(chunk);
        done(null, chunk);
      },
    });
    source.on('error', (err) => hashing.destroy(err));
    source.pipe(hashing);
    const planner = new ChunkPlanner(chunkRecords);
    let sinceBeat = 0;
    try {
      const scan = await scanEstb(hashing, keys, (first, block) => {
        planner.add(first, block);
        sinceBeat += block.length;
        if (sinceBeat >= 16 << 20) {
          sinceBeat = 0;
          beat({ scannedRecords: first });
        }
      });
      if (!scan.fileAccepted) return { verdict: 'refused', refusal: refuse('file_mac_invalid') };
      if (sha256.digest('hex') !== upload.sha256) return { verdict: 'refused', refusal: refuse('file_changed') };
      return { verdict: 'whole', header: scan.header, plans: planner.finish() };
    } catch (err) {
      if (err instanceof EstbError) return { verdict: 'refused', refusal: refuse(fileReasonOf(err.code), err.message) };
      throw err;
    } finally {
      source.destroy();
    }
  }

  /**
   * Decides a chunk in one transaction, from its records read and verified beforehand. The chunk's
   * claim row keeps a second attempt at the same chunk out. Chunks that share cards may run at the
   * same moment:
   * - optimistic (first try): the purses' shadows are read unlocked, the pairs settled before are not
   *   looked up at all, and the decided records written: the partial unique indexes refuse a
   *   (CSN, ATC) or (SAM id, SAM seq) pair that an earlier batch, an earlier chunk or a concurrent
   *   chunk accepted (23505), and the purse rows, locked only at the end, must still cover what this
   *   chunk accepts (ChunkRaceLost otherwise). Either way the whole transaction rolls back and
   * - locked (the one retry) takes the purse locks before reading anything and looks up the pairs
   *   settled before, so a replay gets its reason, chunks sharing a card take turns and each sees
   *   what the other committed.
   * Which copy of a record replayed across chunks is paid depends on which chunk commits first;
   * exactly one is. A record held back as overspent on an unlocked read stays rightly held back:
   * a purse's settled total only grows.
   */
  async function decideChunkOnce(batch: RegisteredBatch, merchant: SettlingMerchant, chunkIndex: number, rows: readonly StagedRecord[], mode: 'optimistic' | 'locked'): Promise<void> {
    const { from, to } = chunkRange(batch, chunkIndex);
    assertSettlement(rows.length === to - from, `chunk ${chunkIndex} of ${batch.batchKey} holds its ${to - from} records`);
    await db.transaction(async (trx) => {
      if (!(await claimChunk(trx, batch.batchKey, chunkIndex))) return; // decided by an attempt that just committed
      if (!batch.fileChecked) await dropStagedRecords(trx, batch.batchKey, from, to);

      // One connection per transaction: its queries go one after another.
      const sams = await samOwners(trx, rows.map((r) => r.samId));
      const cards = await cardStandings(trx, rows.map((r) => r.csn));
      const knownCsns = rows.filter((r) => cards.has(r.csn)).map((r) => r.csn);
      const purses = mode === 'locked' ? await lockPurseShadows(trx, knownCsns) : await readPurseShadows(trx, knownCsns);
      // Optimistic: no look-up of the pairs settled before (replays are the exception); the partial
      // unique indexes make the same check as they take this chunk's accepted records, and refuse.
      const pairs = mode === 'locked' ? await settledPairs(trx, rows.filter((r) => r.proof === 'valid')) : NO_SETTLED_PAIRS;
      const decision = decideChunk(rows, {
        batchKey: batch.batchKey,
        merchant: { id: merchant.id, foodEligible: merchant.foodEligible },
        samOwners: sams,
        cards,
        settledCardAtc: pairs.cardAtc,
        settledSamSeq: pairs.samSeq,
        purses,
      });
      await insertDecidedRecords(trx, batch.batchKey, rows, decision.verdicts);
      const byIndex = new Map(rows.map((r) => [r.index, r]));
      // One movement per purse and chunk (the chunk is decided once, in this transaction): the
      // registry's shadow sees every settled minor unit, at a row per card rather than per record.
      const purchases = [...decision.settledDeltas].map(([key, amount]) => ({ key: `settlement/${batch.batchKey}/${chunkIndex}/${key}`, ...purseOfKey(key), amount }));
      await recordPurchaseMovements(trx, purchases);
      const overspent = decision.verdicts.filter((v) => !v.accepted && v.reason === 'card_overspent').map((v) => byIndex.get(v.index)!);
      await flagOverspends(trx, batch.batchKey, overspent);
      const accepted = decision.verdicts.filter((v) => v.accepted).length;
      await recordChunkOutcome(trx, batch.batchKey, chunkIndex, { accepted, rejected: rows.length - accepted, acceptedByPurse: decision.acceptedByPurse });
      // Last, so concurrent chunks sharing cards queue only for the shadow update and the commit. A
      // purse this chunk leaves overspent was spent by a chunk that committed since it was read.
      const { overspentPurses } = await addSettledPurchases(trx, purchases);
      if (overspentPurses > 0) throw new ChunkRaceLost();
    });
  }

  /**
   * The chunk's records with what the keys prove: read from the stored file and verified now, or,
   * for a batch the earlier code staged whole, read back from the staged rows.
   */
  async function recordsOf(batch: RegisteredBatch, chunkIndex: number): Promise<StagedRecord[]> {
    const { from, to } = chunkRange(batch, chunkIndex);
    if (!batch.fileChecked) return stagedChunkRecords(db, batch.batchKey, from, to);
    const plan = await chunkPlan(db, batch.batchKey, chunkIndex);
    assertSettlement(plan && batch.uploadPath, `batch ${batch.batchKey} has its stored file and the plan of chunk ${chunkIndex}`);
    return readChunkRecords(batch.uploadPath, plan, from, to, keys);
  }

  return {
    /**
     * Proves the file whole in one cheap pass (header against the upload, the Transfer card's
     * owner, size, file MAC, SHA-256) and registers the batch with its chunk plans. No record is
     * checked or written here: each chunk step verifies and decides its own records. A refused
     * file leaves nothing behind.
     */
    async verifySettlementFile(input: VerifyFileInput): Promise<FileVerification> {
      assertSettlement(Number.isInteger(input.chunkRecords) && input.chunkRecords > 0, 'chunkRecords is a positive integer');
      const merchant = await settlingMerchant(db, input.merchantId);
      if (!merchant) return refuse('unknown_merchant', input.merchantId);
      const existing = await findBatch(db, input.batchKey);
      if (existing && existing.fileSha256 !== input.upload.sha256) return refuse('batch_seq_reused', input.batchKey);
      if (existing && existing.merchantId !== merchant.id) return refuse('transfer_card_of_other_merchant', existing.transferCardId);
      if (existing && isVerified(existing)) {
        // Verified by an earlier run (a re-upload after a failed run): reading again proves nothing new.
        return { accepted: true, batchKey: existing.batchKey, recordCount: existing.recordCount, chunkRecords: existing.chunkRecords };
      }

      let h: EstbHeader;
      try {
        h = await readStoredHeader(input.upload.path);
      } catch (err) {
        if (err instanceof EstbError) return refuse(fileReasonOf(err.code), err.message);
        if (err instanceof StoredFileError) return refuse('file_unreadable', err.message);
        throw err;
      }
      if (h.transferCardId !== input.transferCardId || h.batchSeq !== input.batchSeq) return refuse('file_changed', 'its header names another batch');
      const owner = await transferCardOwner(db, h.transferCardId);
      if (owner === undefined) return refuse('unknown_transfer_card', h.transferCardId);
      if (owner !== merchant.id) return refuse('transfer_card_of_other_merchant', h.transferCardId);

      // Registered by the earlier code, whose run died while staging: nothing of it was decided.
      if (existing) await discardBatch(db, existing.batchKey);
      const pass = await passOverFile(input.upload, input.chunkRecords);
      if (pass.verdict === 'refused') return pass.refusal;
      const again = pass.header;
      if (again.transferCardId !== h.transferCardId || again.batchSeq !== h.batchSeq || again.recordCount !== h.recordCount || again.created !== h.created) {
        return refuse('file_changed', 'its header changed while it was read');
      }
      const batch = await registerCheckedBatch(
        db,
        {
          batchKey: input.batchKey,
          transferCardId: h.transferCardId,
          batchSeq: h.batchSeq,
          merchantId: merchant.id,
          fileSha256: input.upload.sha256,
          recordCount: h.recordCount,
          chunkRecords: input.chunkRecords,
          uploadPath: input.upload.path,
        },
        pass.plans,
      );
      if (batch.fileSha256 !== input.upload.sha256) return refuse('batch_seq_reused', input.batchKey);
      return { accepted: true, batchKey: batch.batchKey, recordCount: batch.recordCount, chunkRecords: batch.chunkRecords };
    },

    /**
     * Reads the chunk's records from the stored file and verifies them (MACP, MACS), decides them
     * once (all in one transaction, written with their verdicts) and reserves the accepted amount
     * per purse: float → merchant payable, pending. Chunks run concurrently (decideChunkOnce says
     * how they stay exact), so one chunk's verification runs while others are decided.
     */
    async checkSettlementChunk(ref: ChunkRef): Promise<ChunkSummary> {
      beat({ chunkIndex: ref.chunkIndex, step: 'deciding' });
      const batch = await checkedBatch(ref);
      const merchant = await merchantOf(ref.merchantId);
      const { from, to } = chunkRange(batch, ref.chunkIndex);

      let outcome = await chunkOutcome(db, batch.batchKey, ref.chunkIndex);
      if (!outcome) {
        const rows = await recordsOf(batch, ref.chunkIndex);
        beat({ chunkIndex: ref.chunkIndex, step: 'deciding' });
        try {
          await decideChunkOnce(batch, merchant, ref.chunkIndex, rows, 'optimistic');
        } catch (err) {
          if (!isLostRace(err)) throw err;
          await decideChunkOnce(batch, merchant, ref.chunkIndex, rows, 'locked');
        }
        outcome = await chunkOutcome(db, batch.batchKey, ref.chunkIndex);
        assertSettlement(outcome, `chunk ${ref.chunkIndex} of ${batch.batchKey} is decided after its deciding transaction`);
        beat({ chunkIndex: ref.chunkIndex, step: 'reserving' });
      }
      assertSettlement(outcome.accepted + outcome.rejected === to - from, `chunk ${ref.chunkIndex} of ${batch.batchKey} left no record undecided`);

      await applyTransfers(
        'reservation',
        [...outcome.acceptedByPurse].map(([purse, amount]) => ({
          id: settlementPendingId(batch.batchKey, ref.chunkIndex, purse),
          debitAccountId: floatAccountId(purse),
          creditAccountId: merchant.payableAccountId,
          amount,
          code: purse === PURSE_ECASH ? TRANSFER_CODE.settlementEcash : TRANSFER_CODE.settlementFood,
          flags: { pending: true },
          userData: `settlement/${batch.batchKey}/${ref.chunkIndex}`,
        })),
      );
      return { chunkIndex: ref.chunkIndex, records: to - from, accepted: outcome.accepted, rejected: outcome.rejected };
    },

    /** Posts the chunk's reservations in full. */
    async postSettlementChunk(ref: ChunkRef): Promise<void> {
      beat({ chunkIndex: ref.chunkIndex, step: 'posting' });
      const batch = await checkedBatch(ref);
      const outcome = await chunkOutcome(db, batch.batchKey, ref.chunkIndex);
      assertSettlement(outcome, `chunk ${ref.chunkIndex} of ${batch.batchKey} was decided before it is posted`);
      await applyTransfers(
        'post',
        [...outcome.acceptedByPurse.keys()].map((purse) => ({
          id: settlementPostId(batch.batchKey, ref.chunkIndex, purse),
          pendingId: settlementPendingId(batch.batchKey, ref.chunkIndex, purse),
          flags: { postPendingTransfer: true },
        })),
      );
    },

    /** The batch's outcome from the database: counts per reason, amounts per purse, the first rejections. */
    async summarizeSettlement(ref: { batchKey: string; merchantId: string }): Promise<SettledBatch> {
      const batch = await checkedBatch(ref);
      const totals = await batchTotals(db, batch.batchKey);
      const chunkCount = Math.ceil(batch.recordCount / batch.chunkRecords);
      assertSettlement(totals.chunks === chunkCount && totals.accepted + totals.rejected === batch.recordCount, `batch ${batch.batchKey} is fully decided before it is summarised`);
      const rejections = await rejectedRecords(db, batch.batchKey, { limit: RESULT_REJECTIONS_LIMIT + 1 });
      return {
        outcome: 'settled',
        batchKey: batch.batchKey,
        merchantId: batch.merchantId,
        records: batch.recordCount,
        accepted: totals.accepted,
        rejected: totals.rejected,
        rejectedByReason: totals.rejectedByReason,
        settledMinor: { ecash: (totals.acceptedByPurse.get(1) ?? 0n).toString(), food: (totals.acceptedByPurse.get(2) ?? 0n).toString() },
        rejections: rejections.slice(0, RESULT_REJECTIONS_LIMIT),
        moreRejections: rejections.length > RESULT_REJECTIONS_LIMIT,
      };
    },

    /** merchant_payable → bank, once per reference; amounts in minor units as decimal strings. */
    async payOutMerchant(request: { merchantId: string; reference: string; amountMinor?: string }): Promise<PayoutPayload> {
      if (request.amountMinor !== undefined && !/^[1-9][0-9]*$/.test(request.amountMinor)) {
        throw new SettlementError('invalid_argument', `A payout amount is a positive whole number of minor units; got ${JSON.stringify(request.amountMinor)}.`);
      }
      const payout = await payOutMerchant(
        { db, ledger },
        { merchantId: request.merchantId, reference: request.reference, amountMinor: request.amountMinor === undefined ? undefined : BigInt(request.amountMinor) },
      );
      return { ...payout, amountMinor: payout.amountMinor.toString() };
    },
  };
}

export interface PayoutPayload {
  readonly merchantId: string;
  readonly reference: string;
  readonly transferId: string;
  readonly outcome: 'paid' | 'already_paid' | 'nothing_to_pay';
  readonly amountMinor: string;
}

export type SettlementActivities = ReturnType<typeof createSettlementActivities>;
