/**
 * Settlement's rows: the batch and its chunk plans (registered once the file is proven whole), its
 * records (written once, decided, chunk by chunk) and the overspend flags. Every write is
 * idempotent, so a retried activity changes nothing twice.
 */
import type { Knex } from 'knex';
import type { RecordRejectionReason } from './rejection-reasons';
import { assertSettlement, SettlementError } from './settlement-error';
import { postgresArrayLiteral } from '../../ledger';
import type { PurchaseRecordView, RecordProof, RecordVerdict, SettlementPurse } from './record-verdict';

export interface BatchRegistration {
  readonly batchKey: string;
  readonly transferCardId: string;
  readonly batchSeq: number;
  readonly merchantId: string;
  readonly fileSha256: string;
  readonly recordCount: number;
  readonly chunkRecords: number;
  /** The stored upload the chunk steps read their records from (null for a batch staged by the earlier code). */
  readonly uploadPath: string | null;
}

export interface RegisteredBatch extends BatchRegistration {
  /** Records staged undecided by the earlier code (0 for a batch registered by the file pass). */
  readonly stagedRecords: number;
  /** The file pass proved the file whole and stored its chunk plans. */
  readonly fileChecked: boolean;
}

interface BatchRow {
  batch_key: string;
  transfer_card_id: string;
  batch_seq: string;
  merchant_id: string;
  file_sha256: string;
  record_count: number;
  chunk_records: number;
  staged_records: number;
  file_checked: boolean;
  upload_path: string | null;
}

function toBatch(r: BatchRow): RegisteredBatch {
  return {
    batchKey: r.batch_key,
    transferCardId: r.transfer_card_id,
    batchSeq: Number(r.batch_seq),
    merchantId: r.merchant_id,
    fileSha256: r.file_sha256,
    recordCount: r.record_count,
    chunkRecords: r.chunk_records,
    stagedRecords: r.staged_records,
    fileChecked: r.file_checked,
    uploadPath: r.upload_path,
  };
}

/**
 * What the file pass noted about one chunk: the digest of its record bytes (the chunk step decides
 * exactly the bytes the file MAC covered, or refuses) and, for each SAM of the chunk that appears
 * earlier in the file, the highest sequence number it reached there: a SAM numbers every purchase
 * once, so a number that does not grow over the whole file marks a duplicate.
 */
export interface ChunkPlan {
  readonly chunkIndex: number;
  readonly recordsSha256: Buffer;
  readonly samSeqFloor: Readonly<Record<string, number>>;
}

/**
 * Registers a batch whose file the file pass proved whole, with its chunk plans, once: a later
 * registration of the same batch key finds the first one (its file hash and chunk size); the caller
 * refuses a different file under the same key.
 */
/** Proven whole: by the file pass (its chunk plans stored), or staged in full by the earlier code. */
export function isVerified(batch: RegisteredBatch): boolean {
  return batch.fileChecked || batch.stagedRecords === batch.recordCount;
}

export async function registerCheckedBatch(db: Knex, reg: BatchRegistration, plans: readonly ChunkPlan[]): Promise<RegisteredBatch> {
  return db.transaction(async (trx) => {
    await trx('settlement_batches')
      .insert({
        batch_key: reg.batchKey,
        transfer_card_id: reg.transferCardId,
        batch_seq: reg.batchSeq,
        merchant_id: reg.merchantId,
        file_sha256: reg.fileSha256,
        record_count: reg.recordCount,
        chunk_records: reg.chunkRecords,
        upload_path: reg.uploadPath,
      })
      .onConflict('batch_key')
      .ignore();
    const batch = await findBatch(trx, reg.batchKey);
    assertSettlement(batch, `batch ${reg.batchKey} exists right after its registration`);
    if (batch.fileSha256 !== reg.fileSha256 || batch.fileChecked) return batch;
    // Plans follow the registered chunk size (a batch staged by the earlier code keeps its own).
    assertSettlement(
      batch.chunkRecords === reg.chunkRecords && plans.length === Math.ceil(reg.recordCount / reg.chunkRecords),
      `batch ${reg.batchKey} has one plan per chunk of its registered size`,
    );
    if (plans.length > 0) {
      await trx.raw(
        `INSERT INTO settlement_chunk_plans (batch_key, chunk_index, records_sha256, sam_seq_floor)
         SELECT ?, i, digest, floor FROM unnest(?::int[], ?::bytea[], ?::jsonb[]) AS p(i, digest, floor)
         ON CONFLICT (batch_key, chunk_index) DO NOTHING`,
        [reg.batchKey, plans.map((p) => p.chunkIndex), plans.map((p) => p.recordsSha256), plans.map((p) => JSON.stringify(p.samSeqFloor))],
      );
    }
    await trx('settlement_batches').where({ batch_key: reg.batchKey }).update({ file_checked: true, upload_path: reg.uploadPath });
    return { ...batch, fileChecked: true, uploadPath: reg.uploadPath };
  });
}

/** The file pass's note on one chunk; undefined when the batch was not registered by the file pass. */
export async function chunkPlan(db: Knex, batchKey: string, chunkIndex: number): Promise<ChunkPlan | undefined> {
  const row: { records_sha256: Buffer; sam_seq_floor: Record<string, number> } | undefined = await db('settlement_chunk_plans')
    .where({ batch_key: batchKey, chunk_index: chunkIndex })
    .first('records_sha256', 'sam_seq_floor');
  return row ? { chunkIndex, recordsSha256: row.records_sha256, samSeqFloor: row.sam_seq_floor } : undefined;
}

export async function findBatch(db: Knex, batchKey: string): Promise<RegisteredBatch | undefined> {
  const row = await db<BatchRow>('settlement_batches').where({ batch_key: batchKey }).first();
  return row ? toBatch(row) : undefined;
}

export interface StagedRecord {
  readonly index: number;
  readonly csn: string;
  readonly atc: number;
  readonly purse: number;
  readonly amount: bigint;
  readonly balanceAfter: bigint;
  readonly samId: string;
  readonly samSeq: number;
  /** Unix seconds. */
  readonly time: number;
  readonly proof: RecordProof;
}

/**
 * Writes a chunk's records with their verdicts, once (the chunk's claim row keeps a second attempt
 * out). An accepted record takes its (CSN, ATC) and (SAM id, SAM seq) through the partial unique
 * indexes: a concurrent chunk that took one first makes this fail with a unique violation.
 */
export async function insertDecidedRecords(trx: Knex.Transaction, batchKey: string, records: readonly StagedRecord[], verdicts: readonly RecordVerdict[]): Promise<void> {
  if (records.length === 0) return;
  assertSettlement(records.length === verdicts.length && records.every((r, i) => r.index === verdicts[i].index), 'every record has its verdict, in order');
  const { rowCount } = await trx.raw<{ rowCount: number }>(
    `INSERT INTO settlement_records (batch_key, record_index, csn, atc, purse, amount_minor, balance_after_minor, sam_id, sam_seq, purchased_at, proof, verdict, reason)
     SELECT ?, i, csn, atc, purse, amount, balance, sam_id, sam_seq, to_timestamp(t), proof, verdict, NULLIF(reason, '')
       FROM unnest(?::int[], ?::text[], ?::int[], ?::smallint[], ?::bigint[], ?::bigint[], ?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::text[])
         AS r(i, csn, atc, purse, amount, balance, sam_id, sam_seq, t, proof, verdict, reason)`,
    [
      batchKey,
      postgresArrayLiteral(records.map((r) => r.index)),
      postgresArrayLiteral(records.map((r) => r.csn)),
      postgresArrayLiteral(records.map((r) => r.atc)),
      postgresArrayLiteral(records.map((r) => r.purse)),
      postgresArrayLiteral(records.map((r) => r.amount)),
      postgresArrayLiteral(records.map((r) => r.balanceAfter)),
      postgresArrayLiteral(records.map((r) => r.samId)),
      postgresArrayLiteral(records.map((r) => r.samSeq)),
      postgresArrayLiteral(records.map((r) => r.time)),
      postgresArrayLiteral(records.map((r) => r.proof)),
      postgresArrayLiteral(verdicts.map((v) => (v.accepted ? 'accepted' : 'rejected'))),
      postgresArrayLiteral(verdicts.map((v) => (v.accepted ? '' : v.reason))),
    ],
  );
  assertSettlement(rowCount === records.length, `all ${records.length} records of the chunk of ${batchKey} were written`);
}

/** The records the earlier code staged in [from, to) of a batch, in file order, with their proofs. */
export async function stagedChunkRecords(db: Knex, batchKey: string, from: number, to: number): Promise<StagedRecord[]> {
  const rows: { record_index: number; csn: string; atc: number; purse: number; amount_minor: string; balance_after_minor: string; sam_id: string; sam_seq: string; purchased_at: Date; proof: RecordProof }[] =
    await db('settlement_records')
      .where({ batch_key: batchKey })
      .whereNull('verdict')
      .andWhere('record_index', '>=', from)
      .andWhere('record_index', '<', to)
      .orderBy('record_index')
      .select('record_index', 'csn', 'atc', 'purse', 'amount_minor', 'balance_after_minor', 'sam_id', 'sam_seq', 'purchased_at', 'proof');
  return rows.map((r) => ({
    index: r.record_index,
    csn: r.csn,
    atc: r.atc,
    purse: r.purse,
    amount: BigInt(r.amount_minor),
    balanceAfter: BigInt(r.balance_after_minor),
    samId: r.sam_id,
    samSeq: Number(r.sam_seq),
    time: Math.floor(r.purchased_at.getTime() / 1000),
    proof: r.proof,
  }));
}

/** Drops the undecided rows the earlier code staged in [from, to) of a batch, before its chunk writes decided ones. */
export async function dropStagedRecords(trx: Knex.Transaction, batchKey: string, from: number, to: number): Promise<void> {
  await trx('settlement_records').where({ batch_key: batchKey }).andWhere('record_index', '>=', from).andWhere('record_index', '<', to).whereNull('verdict').delete();
}

/**
 * Forgets a batch whose file was refused whole (bad MAC, truncated): nothing of it was decided, and
 * a genuine export of the same batch must be able to register afresh.
 */
export async function discardBatch(db: Knex, batchKey: string): Promise<void> {
  await db.transaction(async (trx) => {
    const decided = await trx('settlement_records').where({ batch_key: batchKey }).whereNotNull('verdict').count<{ count: string }[]>({ count: '*' });
    assertSettlement(Number(decided[0].count) === 0, `a refused file's batch ${batchKey} has no decided record`);
    await trx('settlement_records').where({ batch_key: batchKey }).delete();
    await trx('settlement_chunk_plans').where({ batch_key: batchKey }).delete();
    await trx('settlement_chunks').where({ batch_key: batchKey }).delete();
    await trx('settlement_batches').where({ batch_key: batchKey }).delete();
  });
}

/** What a decided chunk settled: its counts and the minor units accepted per purse. */
export interface ChunkOutcome {
  readonly accepted: number;
  readonly rejected: number;
  readonly acceptedByPurse: ReadonlyMap<SettlementPurse, bigint>;
}

/**
 * Claims a chunk for deciding, in the deciding transaction. False when it is decided already; an
 * attempt running at the same moment makes this wait for its commit, then answer false.
 */
export async function claimChunk(trx: Knex.Transaction, batchKey: string, chunkIndex: number): Promise<boolean> {
  const { rows } = await trx.raw<{ rows: unknown[] }>(
    'INSERT INTO settlement_chunks (batch_key, chunk_index) VALUES (?, ?) ON CONFLICT (batch_key, chunk_index) DO NOTHING RETURNING chunk_index',
    [batchKey, chunkIndex],
  );
  return rows.length === 1;
}

export async function recordChunkOutcome(trx: Knex.Transaction, batchKey: string, chunkIndex: number, outcome: ChunkOutcome): Promise<void> {
  const updated = await trx('settlement_chunks')
    .where({ batch_key: batchKey, chunk_index: chunkIndex })
    .update({
      accepted: outcome.accepted,
      rejected: outcome.rejected,
      ecash_minor: (outcome.acceptedByPurse.get(1) ?? 0n).toString(),
      food_minor: (outcome.acceptedByPurse.get(2) ?? 0n).toString(),
    });
  assertSettlement(updated === 1, `chunk ${chunkIndex} of ${batchKey} was claimed before its outcome is recorded`);
}

/** A decided chunk's outcome; undefined while it is undecided. */
export async function chunkOutcome(db: Knex, batchKey: string, chunkIndex: number): Promise<ChunkOutcome | undefined> {
  const row: { accepted: number; rejected: number; ecash_minor: string; food_minor: string } | undefined = await db('settlement_chunks')
    .where({ batch_key: batchKey, chunk_index: chunkIndex })
    .first('accepted', 'rejected', 'ecash_minor', 'food_minor');
  if (!row) return undefined;
  const acceptedByPurse = new Map<SettlementPurse, bigint>();
  if (BigInt(row.ecash_minor) > 0n) acceptedByPurse.set(1, BigInt(row.ecash_minor));
  if (BigInt(row.food_minor) > 0n) acceptedByPurse.set(2, BigInt(row.food_minor));
  return { accepted: row.accepted, rejected: row.rejected, acceptedByPurse };
}

/**
 * Accepted records elsewhere that already hold a (CSN, ATC) or (SAM id, SAM seq) pair of the chunk.
 * One index probe per record through the partial unique indexes (LATERAL … LIMIT 1 keeps the
 * planner from hashing every accepted record ever settled), so the cost does not grow with the
 * table; the probes are typed bpchar like the columns, or the indexes could not be used at all.
 */
export async function settledPairs(
  trx: Knex.Transaction,
  records: readonly PurchaseRecordView[],
): Promise<{ cardAtc: Map<string, string>; samSeq: Map<string, string> }> {
  const cardAtc = new Map<string, string>();
  const samSeq = new Map<string, string>();
  if (records.length === 0) return { cardAtc, samSeq };
  const { rows } = await trx.raw<{ rows: { csn: string; atc: number; sam_id: string; sam_seq: string; card_atc_holder: string | null; sam_seq_holder: string | null }[] }>(
    `SELECT q.csn, q.atc, q.sam_id, q.sam_seq, c.batch_key AS card_atc_holder, s.batch_key AS sam_seq_holder
       FROM unnest(?::bpchar[], ?::int[], ?::bpchar[], ?::bigint[]) AS q(csn, atc, sam_id, sam_seq)
       LEFT JOIN LATERAL (SELECT batch_key FROM settlement_records r
                           WHERE r.csn = q.csn AND r.atc = q.atc AND r.verdict = 'accepted' LIMIT 1) c ON true
       LEFT JOIN LATERAL (SELECT batch_key FROM settlement_records r
                           WHERE r.sam_id = q.sam_id AND r.sam_seq = q.sam_seq AND r.verdict = 'accepted' LIMIT 1) s ON true
      WHERE c.batch_key IS NOT NULL OR s.batch_key IS NOT NULL`,
    [records.map((r) => r.csn), records.map((r) => r.atc), records.map((r) => r.samId), records.map((r) => r.samSeq)],
  );
  for (const r of rows) {
    if (r.card_atc_holder !== null) cardAtc.set(`${r.csn}:${r.atc}`, r.card_atc_holder);
    if (r.sam_seq_holder !== null) samSeq.set(`${r.sam_id}:${Number(r.sam_seq)}`, r.sam_seq_holder);
  }
  return { cardAtc, samSeq };
}

export async function flagOverspends(trx: Knex.Transaction, batchKey: string, records: readonly PurchaseRecordView[]): Promise<void> {
  if (records.length === 0) return;
  await trx('settlement_overspend_flags')
    .insert(records.map((r) => ({ batch_key: batchKey, record_index: r.index, csn: r.csn, purse: r.purse, amount_minor: r.amount.toString() })))
    .onConflict(['batch_key', 'record_index'])
    .ignore();
}

export interface BatchTotals {
  /** Chunks decided so far. */
  readonly chunks: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly rejectedByReason: Partial<Record<RecordRejectionReason, number>>;
  /** Minor units accepted per purse. */
  readonly acceptedByPurse: ReadonlyMap<SettlementPurse, bigint>;
}

/**
 * A batch's totals from its chunk rows (each holds its counts and amounts) and its rejected records
 * (through their partial index): a few rows read, not every record of the batch.
 */
export async function batchTotals(db: Knex, batchKey: string): Promise<BatchTotals> {
  const chunks: { chunks: string; accepted: string | null; rejected: string | null; ecash: string | null; food: string | null } = (
    await db.raw(
      `SELECT count(*)::text AS chunks, sum(accepted)::text AS accepted, sum(rejected)::text AS rejected, sum(ecash_minor)::text AS ecash, sum(food_minor)::text AS food
         FROM settlement_chunks WHERE batch_key = ?`,
      [batchKey],
    )
  ).rows[0];
  const { rows } = await db.raw<{ rows: { reason: RecordRejectionReason; n: string }[] }>(
    `SELECT reason, count(*)::text AS n FROM settlement_records WHERE batch_key = ? AND verdict = 'rejected' GROUP BY reason`,
    [batchKey],
  );
  const rejectedByReason: Partial<Record<RecordRejectionReason, number>> = {};
  for (const r of rows) rejectedByReason[r.reason] = Number(r.n);
  const acceptedByPurse = new Map<SettlementPurse, bigint>();
  if (BigInt(chunks.ecash ?? '0') > 0n) acceptedByPurse.set(1, BigInt(chunks.ecash ?? '0'));
  if (BigInt(chunks.food ?? '0') > 0n) acceptedByPurse.set(2, BigInt(chunks.food ?? '0'));
  return { chunks: Number(chunks.chunks), accepted: Number(chunks.accepted ?? 0), rejected: Number(chunks.rejected ?? 0), rejectedByReason, acceptedByPurse };
}

export interface RejectedRecord {
  readonly index: number;
  readonly reason: RecordRejectionReason;
  readonly csn: string;
  readonly atc: number;
  readonly purse: number;
  /** Minor units as a decimal string (Temporal payloads carry no bigint). */
  readonly amountMinor: string;
  readonly samId: string;
  readonly samSeq: number;
}

/** Rejected records of a batch in file order, a page at a time (the portal lists them). */
export async function rejectedRecords(db: Knex, batchKey: string, page: { afterIndex?: number; limit: number }): Promise<RejectedRecord[]> {
  const rows: { record_index: number; reason: RecordRejectionReason; csn: string; atc: number; purse: number; amount_minor: string; sam_id: string; sam_seq: string }[] =
    await db('settlement_records')
      .where({ batch_key: batchKey, verdict: 'rejected' })
      .andWhere('record_index', '>', page.afterIndex ?? -1)
      .orderBy('record_index')
      .limit(page.limit)
      .select('record_index', 'reason', 'csn', 'atc', 'purse', 'amount_minor', 'sam_id', 'sam_seq');
  return rows.map((r) => ({
    index: r.record_index,
    reason: r.reason,
    csn: r.csn,
    atc: r.atc,
    purse: r.purse,
    amountMinor: r.amount_minor,
    samId: r.sam_id,
    samSeq: Number(r.sam_seq),
  }));
}

export interface AcceptedRecord {
  readonly index: number;
  readonly csn: string;
  readonly atc: number;
  readonly purse: number;
  /** Minor units as a decimal string. */
  readonly amountMinor: string;
  readonly samId: string;
  readonly samSeq: number;
}

/** Accepted (paid) records of a batch in file order, a page at a time, beside `rejectedRecords`. */
export async function acceptedRecords(db: Knex, batchKey: string, page: { afterIndex?: number; limit: number }): Promise<AcceptedRecord[]> {
  return (await decidedRecords(db, batchKey, { verdict: 'accepted', afterIndex: page.afterIndex, limit: page.limit })).map(({ verdict: _v, reason: _r, ...record }) => record);
}

export interface DecidedRecord {
  readonly index: number;
  readonly verdict: 'accepted' | 'rejected';
  /** Null when accepted. */
  readonly reason: RecordRejectionReason | null;
  readonly csn: string;
  readonly atc: number;
  readonly purse: number;
  readonly amountMinor: string;
  readonly samId: string;
  readonly samSeq: number;
}

const MAX_PAGE = 1000;

function checkPageLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new SettlementError('invalid_argument', `A page holds 1 to ${MAX_PAGE} rows (got ${limit}); ask for fewer at a time.`);
  }
}

/**
 * Decided records of a batch in file order, of one verdict or both, a page at a time: after
 * `afterIndex` (keyset, for walking a whole batch) or from the `offset`-th match (for page numbers).
 */
export async function decidedRecords(
  db: Knex,
  batchKey: string,
  page: { verdict?: 'accepted' | 'rejected'; afterIndex?: number; offset?: number; limit: number },
): Promise<DecidedRecord[]> {
  checkPageLimit(page.limit);
  if (page.offset !== undefined && !(Number.isInteger(page.offset) && page.offset >= 0)) {
    throw new SettlementError('invalid_argument', `A page offset is a whole number from 0 (got ${page.offset}); ask for the first page with offset 0.`);
  }
  const query = db('settlement_records')
    .where({ batch_key: batchKey })
    .andWhere('record_index', '>', page.afterIndex ?? -1)
    .orderBy('record_index')
    .limit(page.limit)
    .offset(page.offset ?? 0)
    .select('record_index', 'verdict', 'reason', 'csn', 'atc', 'purse', 'amount_minor', 'sam_id', 'sam_seq');
  if (page.verdict) query.andWhere({ verdict: page.verdict });
  else query.whereNotNull('verdict');
  const rows: { record_index: number; verdict: 'accepted' | 'rejected'; reason: RecordRejectionReason | null; csn: string; atc: number; purse: number; amount_minor: string; sam_id: string; sam_seq: string }[] =
    await query;
  return rows.map((r) => ({
    index: r.record_index,
    verdict: r.verdict,
    reason: r.reason,
    csn: r.csn,
    atc: r.atc,
    purse: r.purse,
    amountMinor: r.amount_minor,
    samId: r.sam_id,
    samSeq: Number(r.sam_seq),
  }));
}

/** A card that tried to spend more than was ever loaded onto one of its purses (settlement_overspend_flags). */
export interface FlaggedCard {
  readonly csn: string;
  readonly purse: number;
  /** How many purchases of it were held back, and their total (minor units, decimal string). */
  readonly records: number;
  readonly heldBackMinor: string;
  readonly firstFlaggedAt: Date;
  readonly lastFlaggedAt: Date;
  /** The batches the held-back purchases came from (settlement-<batch key> workflows). */
  readonly batchKeys: readonly string[];
}

/** Flagged cards per purse, most recently flagged first: the operator's list. */
export async function flaggedCards(db: Knex, page: { limit: number }): Promise<FlaggedCard[]> {
  checkPageLimit(page.limit);
  const { rows } = await db.raw<{ rows: { csn: string; purse: number; records: string; held_back: string; first_at: Date; last_at: Date; batch_keys: string[] }[] }>(
    `SELECT csn, purse, count(*)::text AS records, sum(amount_minor)::text AS held_back,
            min(flagged_at) AS first_at, max(flagged_at) AS last_at, array_agg(DISTINCT batch_key ORDER BY batch_key) AS batch_keys
       FROM settlement_overspend_flags
      GROUP BY csn, purse
      ORDER BY max(flagged_at) DESC, csn, purse
      LIMIT ?`,
    [page.limit],
  );
  return rows.map((r) => ({
    csn: r.csn,
    purse: r.purse,
    records: Number(r.records),
    heldBackMinor: r.held_back,
    firstFlaggedAt: r.first_at,
    lastFlaggedAt: r.last_at,
    batchKeys: r.batch_keys,
  }));
}
