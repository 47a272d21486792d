"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.registerBatch = registerBatch;
exports.findBatch = findBatch;
exports.stageRecords = stageRecords;
exports.markStaged = markStaged;
exports.discardBatch = discardBatch;
exports.lockChunkRecords = lockChunkRecords;
exports.settledPairs = settledPairs;
exports.writeVerdicts = writeVerdicts;
exports.flagOverspends = flagOverspends;
exports.acceptedByPurse = acceptedByPurse;
exports.verdictCounts = verdictCounts;
exports.rejectedRecords = rejectedRecords;
const settlement_error_1 = require("./settlement-error");
function toBatch(r) {
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
async function registerBatch(db, reg) {
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
    (0, settlement_error_1.assertSettlement)(batch, `batch ${reg.batchKey} exists right after its registration`);
    return batch;
}
async function findBatch(db, batchKey) {
    const row = await db('settlement_batches').where({ batch_key: batchKey }).first();
    return row ? toBatch(row) : undefined;
}
/** Stages records read from the file; records already there (a retried read) are left as they are. */
async function stageRecords(db, batchKey, records) {
    if (records.length === 0)
        return;
    await db.raw(`INSERT INTO settlement_records (batch_key, record_index, csn, atc, purse, amount_minor, balance_after_minor, sam_id, sam_seq, purchased_at, proof)
     SELECT ?, i, csn, atc, purse, amount, balance, sam_id, sam_seq, to_timestamp(t), proof
       FROM unnest(?::int[], ?::text[], ?::int[], ?::smallint[], ?::bigint[], ?::bigint[], ?::text[], ?::bigint[], ?::bigint[], ?::text[])
         AS r(i, csn, atc, purse, amount, balance, sam_id, sam_seq, t, proof)
     ON CONFLICT (batch_key, record_index) DO NOTHING`, [
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
    ]);
}
async function markStaged(db, batchKey, stagedRecords) {
    await db('settlement_batches').where({ batch_key: batchKey }).update({ staged_records: stagedRecords });
}
/**
 * Forgets a batch whose file was refused whole (bad MAC, truncated): nothing of it was decided, and
 * a genuine export of the same batch must be able to register afresh.
 */
async function discardBatch(db, batchKey) {
    await db.transaction(async (trx) => {
        const decided = await trx('settlement_records').where({ batch_key: batchKey }).whereNotNull('verdict').count({ count: '*' });
        (0, settlement_error_1.assertSettlement)(Number(decided[0].count) === 0, `a refused file's batch ${batchKey} has no decided record`);
        await trx('settlement_records').where({ batch_key: batchKey }).delete();
        await trx('settlement_batches').where({ batch_key: batchKey }).delete();
    });
}
/** The chunk's records, locked for the deciding transaction. */
async function lockChunkRecords(trx, batchKey, from, to) {
    const rows = await trx('settlement_records')
        .where({ batch_key: batchKey })
        .andWhere('record_index', '>=', from)
        .andWhere('record_index', '<', to)
        .orderBy('record_index')
        .forUpdate()
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
/** Accepted records elsewhere that already hold a (CSN, ATC) or (SAM id, SAM seq) pair of the chunk. */
async function settledPairs(trx, records) {
    const cardAtc = new Map();
    const samSeq = new Map();
    if (records.length === 0)
        return { cardAtc, samSeq };
    const byCard = await trx.raw(`SELECT s.csn, s.atc, s.batch_key FROM settlement_records s
       JOIN unnest(?::text[], ?::int[]) AS q(csn, atc) ON s.csn = q.csn AND s.atc = q.atc
      WHERE s.verdict = 'accepted'`, [records.map((r) => r.csn), records.map((r) => r.atc)]);
    for (const r of byCard.rows)
        cardAtc.set(`${r.csn}:${r.atc}`, r.batch_key);
    const bySam = await trx.raw(`SELECT s.sam_id, s.sam_seq, s.batch_key FROM settlement_records s
       JOIN unnest(?::text[], ?::bigint[]) AS q(sam_id, sam_seq) ON s.sam_id = q.sam_id AND s.sam_seq = q.sam_seq
      WHERE s.verdict = 'accepted'`, [records.map((r) => r.samId), records.map((r) => r.samSeq)]);
    for (const r of bySam.rows)
        samSeq.set(`${r.sam_id}:${Number(r.sam_seq)}`, r.batch_key);
    return { cardAtc, samSeq };
}
async function writeVerdicts(trx, batchKey, verdicts) {
    if (verdicts.length === 0)
        return;
    await trx.raw(`UPDATE settlement_records s SET verdict = v.verdict, reason = NULLIF(v.reason, '')
       FROM unnest(?::int[], ?::text[], ?::text[]) AS v(i, verdict, reason)
      WHERE s.batch_key = ? AND s.record_index = v.i AND s.verdict IS NULL`, [verdicts.map((v) => v.index), verdicts.map((v) => (v.accepted ? 'accepted' : 'rejected')), verdicts.map((v) => (v.accepted ? '' : v.reason)), batchKey]);
}
async function flagOverspends(trx, batchKey, records) {
    if (records.length === 0)
        return;
    await trx('settlement_overspend_flags')
        .insert(records.map((r) => ({ batch_key: batchKey, record_index: r.index, csn: r.csn, purse: r.purse, amount_minor: r.amount.toString() })))
        .onConflict(['batch_key', 'record_index'])
        .ignore();
}
/** Minor units accepted per purse among records [from, to): the amounts the chunk's transfers move. */
async function acceptedByPurse(db, batchKey, from, to) {
    const { rows } = await db.raw(`SELECT purse, sum(amount_minor)::text AS amount FROM settlement_records
      WHERE batch_key = ? AND verdict = 'accepted' AND record_index >= ? AND record_index < ?
      GROUP BY purse ORDER BY purse`, [batchKey, from, to]);
    return new Map(rows.map((r) => [r.purse, BigInt(r.amount)]));
}
async function verdictCounts(db, batchKey, from = 0, to = 2 ** 31 - 1) {
    const { rows } = await db.raw(`SELECT verdict, reason, count(*)::text AS n FROM settlement_records
      WHERE batch_key = ? AND record_index >= ? AND record_index < ?
      GROUP BY verdict, reason`, [batchKey, from, to]);
    let accepted = 0;
    let rejected = 0;
    let undecided = 0;
    const rejectedByReason = {};
    for (const r of rows) {
        const n = Number(r.n);
        if (r.verdict === 'accepted')
            accepted += n;
        else if (r.verdict === 'rejected' && r.reason) {
            rejected += n;
            rejectedByReason[r.reason] = (rejectedByReason[r.reason] ?? 0) + n;
        }
        else
            undecided += n;
    }
    return { accepted, rejected, undecided, rejectedByReason };
}
/** Rejected records of a batch in file order, a page at a time (the portal lists them). */
async function rejectedRecords(db, batchKey, page) {
    const rows = await db('settlement_records')
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
