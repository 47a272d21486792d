"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.purseNameOf = void 0;
exports.settlingMerchant = settlingMerchant;
exports.transferCardOwner = transferCardOwner;
exports.samOwners = samOwners;
exports.cardStandings = cardStandings;
exports.lockPurseShadows = lockPurseShadows;
exports.recordSettledPurchases = recordSettledPurchases;
exports.floatAccountId = floatAccountId;
exports.bankAccountId = bankAccountId;
const registry_1 = require("../registry");
const record_verdict_1 = require("./record-verdict");
async function settlingMerchant(db, merchantId) {
    const row = await db('registry_merchants').where({ id: merchantId }).first('id', 'food_eligible', 'payable_account_id');
    return row ? { id: row.id, foodEligible: row.food_eligible, payableAccountId: row.payable_account_id } : undefined;
}
async function transferCardOwner(db, transferCardId) {
    const row = await db('registry_transfer_cards').where({ transfer_card_id: transferCardId }).first('merchant_id');
    return row?.merchant_id;
}
async function samOwners(db, samIds) {
    const rows = await db('registry_sams').whereIn('sam_id', [...new Set(samIds)]).select('sam_id', 'merchant_id');
    return new Map(rows.map((r) => [r.sam_id, r.merchant_id]));
}
async function cardStandings(db, csns) {
    const rows = await db('registry_cards').whereIn('csn', [...new Set(csns)]).select('csn', 'status');
    return new Map(rows.map((r) => [r.csn, { blocked: r.status !== 'active' }]));
}
const purseNameOf = (purse) => (purse === record_verdict_1.PURSE_ECASH ? 'ecash' : 'food');
exports.purseNameOf = purseNameOf;
/** Shadow balances of the cards' purses, locked until the transaction ends (in key order, so two chunks never deadlock). */
async function lockPurseShadows(trx, csns) {
    const sorted = [...new Set(csns)].sort();
    if (sorted.length === 0)
        return new Map();
    const { rows } = await trx.raw(`SELECT csn, purse, loaded_minor, spent_minor FROM registry_card_purses
      WHERE csn = ANY(?::text[]) ORDER BY csn, purse FOR UPDATE`, [sorted]);
    return new Map(rows.map((r) => [(0, record_verdict_1.purseKey)(r.csn, r.purse === 'ecash' ? 1 : 2), { loaded: BigInt(r.loaded_minor), settled: BigInt(r.spent_minor) }]));
}
/** Counts accepted purchases into the purses' spent totals, once per key. */
async function recordSettledPurchases(trx, purchases) {
    if (purchases.length === 0)
        return;
    await trx.raw(`WITH moved AS (
       INSERT INTO registry_purse_movements (key, csn, purse, kind, amount_minor)
       SELECT key, csn, purse, 'purchase', amount FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[]) AS m(key, csn, purse, amount)
       ON CONFLICT (key) DO NOTHING
       RETURNING csn, purse, amount_minor
     ), totals AS (
       SELECT csn, purse, sum(amount_minor)::bigint AS amount FROM moved GROUP BY csn, purse
     )
     UPDATE registry_card_purses p SET spent_minor = p.spent_minor + t.amount
       FROM totals t WHERE p.csn = t.csn AND p.purse = t.purse`, [purchases.map((p) => p.key), purchases.map((p) => p.csn), purchases.map((p) => (0, exports.purseNameOf)(p.purse)), purchases.map((p) => p.amount.toString())]);
}
function floatAccountId(purse) {
    return registry_1.Registry.platformAccountId(purse === record_verdict_1.PURSE_ECASH ? 'float_ecash' : 'float_food');
}
function bankAccountId() {
    return registry_1.Registry.platformAccountId('bank');
}
