/**
 * Settlement's rows: the batch, its records (staged while the file is read, decided chunk by chunk)
 * and the overspend flags. Every write is idempotent, so a retried activity changes nothing twice.
 */
import type { Knex } from 'knex';
import type { RecordRejectionReason } from './rejection-reasons';
import { assertSettlement, SettlementError } from './settlement-error';
import type { PurchaseRecordView, RecordProof, RecordVerdict, SettlementPurse } from './record-verdict';

export interface BatchRegistration {
  readonly batchKey: string;
  readonly transferCardId: string;
  readonly batchSeq: number;
  readonly merchantId: string;
  readonly fileSha256: string;
  readonly recordCount: number;
  readonly chunkRecords: number;
}

export interface RegisteredBatch extends BatchRegistration {
  readonly stagedRecords: number;
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
  };
}

/** Registers a batch once; a later registration of the same file finds the first one (and its chunk size). */
export async function registerBatch(db: Knex, reg: BatchRegistration): Promise<RegisteredBatch> {
  await db('settlement_batches')
    .insert({
      batch_key: reg.batchKey,
      transfer_card_id: reg.transferCardId,
      batch_seq: reg.batchSeq,
      merchant_id: reg.merchantId,
      file_sha256: reg.fileSha256,
      record_count: reg.recordCount,
      chunk_records: reg.chunkRecords,
    })
    .onConflict('batch_key')
    .ignore();
  const batch = await findBatch(db, reg.batchKey);
  assertSettlement(batch, `batch ${reg.batchKey} exists right after its registration`);
  return batch;
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

/** Stages records read from the file; records already there (a retried read) are left as they are. */
export async function stageRecords(db: Knex, batchKey: string, records: readonly StagedRecord[]): Promise<void> {
  if (records.length === 0) return;
  await db.raw(
    `INSERT INTO settlement_records (batch_key, record_index, csn, atc, purse, amount_minor, balance_after_minor, sam_id, sam_seq, purchased_at, proof)
     SELECT ?, i, csn, atc, purse, amount, balance, sam_id, sam_seq, to_timestamp(t), proof
       FROM unnest(?::int[], ?::text[], ?::int[], ?::smallint[], ?::bigint[], ?::bigint[], ?::text[], ?::bigint[], ?::bigint[], ?::text[])
         AS r(i, csn, atc, purse, amount, balance, sam_id, sam_seq, t, proof)
     ON CONFLICT (batch_key, record_index) DO NOTHING`,
    [
      batchKey,
      records.map((r) => r.index),
      records.map((r) => r.csn),
      records.map((r) => r.atc),
      records.map((r) => r.purse),
      records.map((r) => r.amount.toString()),
      records.map((r) => r.balanceAfter.toString()),
      records.map((r) => r.samId),
      records.map((r) => r.samSeq),
      records.map((r) => r.time),
      records.map((r) => r.proof),
    ],
  );
}

export async function markStaged(db: Knex, batchKey: string, stagedRecords: number): Promise<void> {
  await db('settlement_batches').where({ batch_key: batchKey }).update({ staged_records: stagedRecords });
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
    await trx('settlement_chunks').where({ batch_key: batchKey }).delete();
    await trx('settlement_batches').where({ batch_key: batchKey }).delete();
  });
}

export interface ChunkRow extends PurchaseRecordView {
  readonly decided: boolean;
}

/** The chunk's records in file order (not locked: the chunk's claim row keeps other attempts out). */
export async function chunkRecords(trx: Knex.Transaction, batchKey: string, from: number, to: number): Promise<ChunkRow[]> {
  const rows: { record_index: number; csn: string; atc: number; purse: number; amount_minor: string; sam_id: string; sam_seq: string; proof: RecordProof; verdict: string | null }[] =
    await trx('settlement_records')
      .where({ batch_key: batchKey })
      .andWhere('record_index', '>=', from)
      .andWhere('record_index', '<', to)
      .orderBy('record_index')
      .select('record_index', 'csn', 'atc', 'purse', 'amount_minor', 'sam_id', 'sam_seq', 'proof', 'verdict');
  return rows.map((r) => ({
    index: r.record_index,
    csn: r.csn,
    atc: r.atc,
    purse: r.purse,
    amount: BigInt(r.amount_minor),
    samId: r.sam_id,
    samSeq: Number(r.sam_seq),
    proof: r.proof,
    decided: r.verdict !== null,
  }));
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

export async function writeVerdicts(trx: Knex.Transaction, batchKey: string, verdicts: readonly RecordVerdict[]): Promise<void> {
  if (verdicts.length === 0) return;
  await trx.raw(
    `UPDATE settlement_records s SET verdict = v.verdict, reason = NULLIF(v.reason, '')
       FROM unnest(?::int[], ?::text[], ?::text[]) AS v(i, verdict, reason)
      WHERE s.batch_key = ? AND s.record_index = v.i AND s.verdict IS NULL`,
    [verdicts.map((v) => v.index), verdicts.map((v) => (v.accepted ? 'accepted' : 'rejected')), verdicts.map((v) => (v.accepted ? '' : v.reason)), batchKey],
  );
}

export async function flagOverspends(trx: Knex.Transaction, batchKey: string, records: readonly PurchaseRecordView[]): Promise<void> {
  if (records.length === 0) return;
  await trx('settlement_overspend_flags')
    .insert(records.map((r) => ({ batch_key: batchKey, record_index: r.index, csn: r.csn, purse: r.purse, amount_minor: r.amount.toString() })))
    .onConflict(['batch_key', 'record_index'])
    .ignore();
}

/** Minor units accepted per purse among records [from, to): the amounts the chunk's transfers move. */
export async function acceptedByPurse(db: Knex, batchKey: string, from: number, to: number): Promise<Map<SettlementPurse, bigint>> {
  const { rows } = await db.raw<{ rows: { purse: number; amount: string }[] }>(
    `SELECT purse, sum(amount_minor)::text AS amount FROM settlement_records
      WHERE batch_key = ? AND verdict = 'accepted' AND record_index >= ? AND record_index < ?
      GROUP BY purse ORDER BY purse`,
    [batchKey, from, to],
  );
  return new Map(rows.map((r) => [r.purse as SettlementPurse, BigInt(r.amount)]));
}

export interface VerdictCounts {
  readonly accepted: number;
  readonly rejected: number;
  readonly undecided: number;
  readonly rejectedByReason: Partial<Record<RecordRejectionReason, number>>;
}

export async function verdictCounts(db: Knex, batchKey: string, from = 0, to = 2 ** 31 - 1): Promise<VerdictCounts> {
  const { rows } = await db.raw<{ rows: { verdict: string | null; reason: RecordRejectionReason | null; n: string }[] }>(
    `SELECT verdict, reason, count(*)::text AS n FROM settlement_records
      WHERE batch_key = ? AND record_index >= ? AND record_index < ?
      GROUP BY verdict, reason`,
    [batchKey, from, to],
  );
  let accepted = 0;
  let rejected = 0;
  let undecided = 0;
  const rejectedByReason: Partial<Record<RecordRejectionReason, number>> = {};
  for (const r of rows) {
    const n = Number(r.n);
    if (r.verdict === 'accepted') accepted += n;
    else if (r.verdict === 'rejected' && r.reason) {
      rejected += n;
      rejectedByReason[r.reason] = (rejectedByReason[r.reason] ?? 0) + n;
    } else undecided += n;
  }
  return { accepted, rejected, undecided, rejectedByReason };
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
