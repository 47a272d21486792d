"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const node_crypto_1 = require("node:crypto");
const card_driver_1 = require("../../card-driver");
const registry_1 = require("../registry");
const merchant_payout_1 = require("../settlement/merchant-payout");
const settlement_client_1 = require("../settlement/settlement-client");
const settlement_world_1 = require("./settlement-world");
jest.setTimeout(60_000);
// Workflow ids name Transfer card batches and the dev server outlives test runs: fresh Transfer card ids per run.
const runTag = (0, node_crypto_1.randomBytes)(6).toString('hex').toUpperCase();
const GROCER = { id: 'grocer', sam: (0, card_driver_1.parseSamId)('53414D0000000001'), transferCard: (0, card_driver_1.parseTransferCardId)(`54${runTag}01`) };
const CAFE = { id: 'cafe', sam: (0, card_driver_1.parseSamId)('53414D0000000002'), transferCard: (0, card_driver_1.parseTransferCardId)(`54${runTag}02`) };
const OTHER = { id: 'other', sam: card_driver_1.DEFAULT_FOREIGN_SAM_ID, transferCard: (0, card_driver_1.parseTransferCardId)(`54${runTag}03`) };
const UNREGISTERED_SAM = (0, card_driver_1.parseSamId)('53414D00000000EE');
const UNREGISTERED_TRANSFER_CARD = (0, card_driver_1.parseTransferCardId)(`54${runTag}EE`);
let world;
// Each SAM numbers its purchases once and each Transfer card its batches once, across the whole suite.
const nextSamSeq = new Map();
const nextBatchSeq = new Map();
const takeSeqs = (samId, count) => {
    const first = nextSamSeq.get(samId) ?? 1;
    nextSamSeq.set(samId, first + count);
    return first;
};
const takeBatchSeq = (transferCardId) => {
    const seq = nextBatchSeq.get(transferCardId) ?? 1;
    nextBatchSeq.set(transferCardId, seq + 1);
    return seq;
};
function merchantFile(shop, cards, run) {
    const foreignSamId = run.foreignSamId ?? OTHER.sam;
    const extra = (run.faults?.foodPurchases ?? 0) + (run.faults?.foreignSamPurchases ?? 0);
    const produced = (0, card_driver_1.runMerchant)(world.keys, cards, {
        samId: shop.sam,
        foreignSamId,
        transferCardId: shop.transferCard,
        purse: run.purse,
        amount: run.amount,
        purchases: run.purchases,
        firstSamSeq: takeSeqs(shop.sam, run.purchases + extra),
        batchSeq: takeBatchSeq(shop.transferCard),
        faults: run.faults,
    });
    if (run.faults?.foreignSamPurchases)
        takeSeqs(foreignSamId, run.faults.foreignSamPurchases);
    return produced;
}
async function settle(file, merchantId, options = {}) {
    const started = await (0, settlement_client_1.uploadSettlementFile)(world.client, {
        merchantId,
        file: world.writeFile(`batch-${Date.now()}-${Math.random()}.estb`, file),
        uploadDir: world.uploadDir,
        taskQueue: world.taskQueue,
        ...options,
    });
    return { started, result: await (0, settlement_client_1.settlementOutcome)(started.handle) };
}
function settled(result) {
    if (result.outcome !== 'settled')
        throw new Error(`expected a settled batch, got ${JSON.stringify(result)}`);
    return result;
}
const payable = (merchantId) => (0, settlement_world_1.postedBalance)(world.ledger, payableIdOf(merchantId));
const payableIds = new Map();
const payableIdOf = (merchantId) => payableIds.get(merchantId);
beforeAll(async () => {
    world = await (0, settlement_world_1.createWorld)('settlement', require.resolve('../settlement/settlement-workflow'));
    await world.registry.enrolCustomer({ id: 'alice', name: 'Alice' });
    for (const [shop, foodEligible] of [
        [GROCER, true],
        [CAFE, false],
        [OTHER, true],
    ]) {
        const merchant = await world.registry.enrolMerchant({ id: shop.id, name: shop.id, foodEligible });
        payableIds.set(shop.id, merchant.payableAccountId);
        await world.registry.addSam({ samId: shop.sam, merchantId: shop.id });
        await world.registry.addTransferCard({ transferCardId: shop.transferCard, merchantId: shop.id });
    }
}, 120_000);
afterAll(async () => {
    await world?.close();
});
afterEach(async () => {
    // Whatever a test did, the ledger stays balanced and no settlement reservation is left open.
    expect(await world.invariantViolations()).toEqual([]);
    const open = await world.database.db('ledger_transfers as t')
        .leftJoin('ledger_pending_resolutions as r', 'r.pending_id', 't.id')
        .whereRaw('(t.flags & 2) <> 0')
        .whereNull('r.pending_id')
        .count({ n: '*' });
    expect(Number(open[0].n)).toBe(0);
});
describe('SettlementWorkflow', () => {
    let goodFile;
    let goodCards;
    it('settles every record of a good file once: float → merchant payable, reserved then posted', async () => {
        goodCards = [await world.cardFor('alice', { ecash: 10000n }), await world.cardFor('alice', { ecash: 10000n })];
        const before = await payable(GROCER.id);
        goodFile = merchantFile(GROCER, goodCards, { purchases: 4, amount: 1000n }).file;
        const { result } = await settle(goodFile, GROCER.id);
        const batch = settled(result);
        expect(batch).toMatchObject({ records: 4, accepted: 4, rejected: 0, settledMinor: { ecash: '4000', food: '0' }, rejections: [] });
        const after = await payable(GROCER.id);
        expect(after.posted - before.posted).toBe(4000n);
        expect(after.pending).toBe(0n);
        for (const card of goodCards)
            expect((await world.registry.card(card.csn)).purses.ecash).toMatchObject({ loadedMinor: 10000n, spentMinor: 2000n, overspent: false });
    });
    it('returns the first result when the same file is uploaded again, and moves no money', async () => {
        const before = await payable(GROCER.id);
        const again = await settle(goodFile, GROCER.id);
        expect(again.started.started).toBe(false);
        expect(settled(again.result)).toMatchObject({ records: 4, accepted: 4, rejected: 0 });
        expect(await payable(GROCER.id)).toEqual(before);
        expect((await world.registry.card(goodCards[0].csn)).purses.ecash.spentMinor).toBe(2000n);
    });
    it('rejects a record already settled in an earlier batch, and a record replaying a SAM sequence number', async () => {
        const oldRecord = goodFile.subarray(card_driver_1.HEADER_BYTES, card_driver_1.HEADER_BYTES + card_driver_1.RECORD_BYTES);
        const card = await world.cardFor('alice', { ecash: 5000n });
        // A genuine new purchase whose SAM reuses a sequence number already settled.
        const replayingSam = card_driver_1.SimulatedSam.issue(world.keys, GROCER.sam, oldRecord.readUInt32BE(27));
        const replay = new card_driver_1.SimulatedPos(replayingSam).purchase(card, card_driver_1.PURSE.ecash, 500n);
        const fresh = new card_driver_1.SimulatedPos(card_driver_1.SimulatedSam.issue(world.keys, GROCER.sam, takeSeqs(GROCER.sam, 1))).purchase(card, card_driver_1.PURSE.ecash, 700n);
        const exportFile = (records) => card_driver_1.SimulatedTransferCard.issue(world.keys, GROCER.transferCard, takeBatchSeq(GROCER.transferCard)).exportFile(records, 1_700_000_000).file;
        const before = await payable(GROCER.id);
        const first = settled((await settle(exportFile([oldRecord, fresh]), GROCER.id)).result);
        // In a file of its own: within one file a repeated SAM number is already a duplicate of that file.
        const second = settled((await settle(exportFile([replay]), GROCER.id)).result);
        expect(first).toMatchObject({ records: 2, accepted: 1, rejected: 1, rejectedByReason: { already_settled: 1 } });
        expect(first.rejections.map((r) => [r.index, r.reason])).toEqual([[0, 'already_settled']]);
        expect(second).toMatchObject({ records: 1, accepted: 0, rejected: 1, rejectedByReason: { sam_sequence_replayed: 1 } });
        expect((await payable(GROCER.id)).posted - before.posted).toBe(700n);
    });
    it('rejects a record whose card MAC was tampered with and settles the rest', async () => {
        const cards = [await world.cardFor('alice', { ecash: 10000n })];
        const { file } = merchantFile(GROCER, cards, { purchases: 3, amount: 500n, faults: { tamperPurchaseMacs: 1 } });
        const batch = settled((await settle(file, GROCER.id)).result);
        expect(batch).toMatchObject({ accepted: 2, rejected: 1, rejectedByReason: { card_mac_invalid: 1 }, settledMinor: { ecash: '1000' } });
        expect(batch.rejections[0]).toMatchObject({ index: 0, reason: 'card_mac_invalid', csn: cards[0].csn, amountMinor: '500' });
    });
    it("rejects a record whose SAM signature was tampered with", async () => {
        const cards = [await world.cardFor('alice', { ecash: 10000n })];
        const { file } = merchantFile(GROCER, cards, { purchases: 3, amount: 500n, faults: { tamperSamMacs: 1 } });
        const batch = settled((await settle(file, GROCER.id)).result);
        expect(batch).toMatchObject({ accepted: 2, rejected: 1, rejectedByReason: { sam_mac_invalid: 1 } });
        expect(batch.rejections[0].index).toBe(2);
    });
    it('pays a record replayed inside the same file once', async () => {
        const cards = [await world.cardFor('alice', { ecash: 10000n })];
        const { file } = merchantFile(GROCER, cards, { purchases: 2, amount: 500n, faults: { replayRecords: 1 } });
        const batch = settled((await settle(file, GROCER.id)).result);
        expect(batch).toMatchObject({ records: 3, accepted: 2, rejected: 1, rejectedByReason: { duplicate_in_file: 1 }, settledMinor: { ecash: '1000' } });
    });
    it("rejects purchases signed by another merchant's SAM or by an unregistered SAM", async () => {
        const cards = [await world.cardFor('alice', { ecash: 10000n })];
        const foreign = merchantFile(GROCER, cards, { purchases: 1, amount: 500n, faults: { foreignSamPurchases: 1 } });
        expect(settled((await settle(foreign.file, GROCER.id)).result)).toMatchObject({ accepted: 1, rejectedByReason: { sam_of_other_merchant: 1 } });
        const unknown = merchantFile(GROCER, cards, { purchases: 1, amount: 500n, foreignSamId: UNREGISTERED_SAM, faults: { foreignSamPurchases: 1 } });
        expect(settled((await settle(unknown.file, GROCER.id)).result)).toMatchObject({ accepted: 1, rejectedByReason: { unknown_sam: 1 } });
    });
    it('refuses food-voucher purchases at a merchant that may not take them, and settles them from the food float where allowed', async () => {
        const cards = [await world.cardFor('alice', { ecash: 10000n, food: 10000n })];
        const atCafe = merchantFile(CAFE, cards, { purchases: 2, amount: 300n, faults: { foodPurchases: 1 } });
        expect(settled((await settle(atCafe.file, CAFE.id)).result)).toMatchObject({ accepted: 2, rejected: 1, rejectedByReason: { food_not_accepted: 1 }, settledMinor: { ecash: '600', food: '0' } });
        const foodFloat = registry_1.Registry.platformAccountId('float_food');
        const floatBefore = await (0, settlement_world_1.postedBalance)(world.ledger, foodFloat);
        const atGrocer = merchantFile(GROCER, cards, { purchases: 2, amount: 400n, purse: card_driver_1.PURSE.food });
        expect(settled((await settle(atGrocer.file, GROCER.id)).result)).toMatchObject({ accepted: 2, settledMinor: { ecash: '0', food: '800' } });
        expect(floatBefore.posted - (await (0, settlement_world_1.postedBalance)(world.ledger, foodFloat)).posted).toBe(800n);
    });
    it('rejects purchases from a card the issuer does not know, and from a blocked card', async () => {
        const stranger = card_driver_1.SimulatedCard.issue(world.keys, (0, settlement_world_1.nextCsn)());
        await world.loadOffTheBooks(stranger, card_driver_1.PURSE.ecash, 5000n);
        const blocked = await world.cardFor('alice', { ecash: 5000n });
        await world.registry.blockCard(blocked.csn, 'reported stolen');
        const { file } = merchantFile(GROCER, [stranger, blocked], { purchases: 2, amount: 500n });
        const batch = settled((await settle(file, GROCER.id)).result);
        expect(batch).toMatchObject({ accepted: 0, rejected: 2, rejectedByReason: { unknown_card: 1, card_blocked: 1 } });
    });
    it('holds back purchases beyond what was ever loaded onto the card, and flags the card', async () => {
        const card = await world.cardFor('alice', { ecash: 5000n });
        await world.loadOffTheBooks(card, card_driver_1.PURSE.ecash, 10000n);
        const { file } = merchantFile(GROCER, [card], { purchases: 3, amount: 4000n });
        const batch = settled((await settle(file, GROCER.id)).result);
        expect(batch).toMatchObject({ accepted: 1, rejected: 2, rejectedByReason: { card_overspent: 2 }, settledMinor: { ecash: '4000' } });
        const flags = await world.database.db('settlement_overspend_flags').where({ csn: card.csn });
        expect(flags).toHaveLength(2);
        expect((await world.registry.card(card.csn)).purses.ecash).toMatchObject({ loadedMinor: 5000n, spentMinor: 4000n });
    });
    it('refuses a truncated file whole, and settles the complete export of the same batch afterwards', async () => {
        const cards = [await world.cardFor('alice', { ecash: 10000n })];
        const seqs = takeSeqs(GROCER.sam, 0);
        const batchSeq = takeBatchSeq(GROCER.transferCard);
        const run = { samId: GROCER.sam, transferCardId: GROCER.transferCard, amount: 500n, purchases: 2, firstSamSeq: seqs, batchSeq };
        const complete = (0, card_driver_1.runMerchant)(world.keys, cards, run).file;
        takeSeqs(GROCER.sam, 2);
        const truncated = complete.subarray(0, complete.length - 20);
        const before = await payable(GROCER.id);
        const refused = await settle(truncated, GROCER.id);
        expect(refused.result).toMatchObject({ outcome: 'file_rejected', reason: 'truncated' });
        expect(await payable(GROCER.id)).toEqual(before);
        expect(await world.database.db('settlement_batches').where({ batch_seq: batchSeq, transfer_card_id: GROCER.transferCard })).toHaveLength(0);
        const retried = await settle(complete, GROCER.id);
        expect(retried.started.workflowId).toBe(refused.started.workflowId);
        expect(settled(retried.result)).toMatchObject({ accepted: 2, settledMinor: { ecash: '1000' } });
    });
    it('refuses a file whose MAC was tampered with, and moves nothing', async () => {
        const cards = [await world.cardFor('alice', { ecash: 10000n })];
        const { file } = merchantFile(GROCER, cards, { purchases: 2, amount: 500n, faults: { tamperFileMac: true } });
        const before = await payable(GROCER.id);
        expect((await settle(file, GROCER.id)).result).toMatchObject({ outcome: 'file_rejected', reason: 'file_mac_invalid' });
        expect(await payable(GROCER.id)).toEqual(before);
        expect((await world.registry.card(cards[0].csn)).purses.ecash.spentMinor).toBe(0n);
    });
    it("refuses a file from another merchant's Transfer card, and from an unregistered one", async () => {
        const cards = [await world.cardFor('alice', { ecash: 10000n })];
        const others = merchantFile(OTHER, cards, { purchases: 1, amount: 500n });
        expect((await settle(others.file, GROCER.id)).result).toMatchObject({ outcome: 'file_rejected', reason: 'transfer_card_of_other_merchant' });
        const unregistered = (0, card_driver_1.runMerchant)(world.keys, cards, { samId: GROCER.sam, transferCardId: UNREGISTERED_TRANSFER_CARD, amount: 500n, purchases: 1, firstSamSeq: takeSeqs(GROCER.sam, 1) });
        expect((await settle(unregistered.file, GROCER.id)).result).toMatchObject({ outcome: 'file_rejected', reason: 'unknown_transfer_card' });
    });
    it('settles a file in chunks across continued-as-new runs with the same outcome', async () => {
        const cards = [await world.cardFor('alice', { ecash: 10000n }), await world.cardFor('alice', { ecash: 10000n })];
        const { file } = merchantFile(GROCER, cards, { purchases: 9, amount: 200n, faults: { tamperPurchaseMacs: 1 } });
        const before = await payable(GROCER.id);
        const { started, result } = await settle(file, GROCER.id, { chunkRecords: 2, chunksPerRun: 2 });
        expect(settled(result)).toMatchObject({ records: 9, accepted: 8, rejected: 1, settledMinor: { ecash: '1600' } });
        expect((await payable(GROCER.id)).posted - before.posted).toBe(1600n);
        const latest = await started.handle.describe();
        expect(started.firstExecutionRunId).toBeDefined();
        expect(latest.runId).not.toBe(started.firstExecutionRunId);
        const pendings = await world.database.db('ledger_transfers').whereRaw("user_data LIKE ?", [`settlement/${settled(result).batchKey}/%`]).whereRaw('(flags & 2) <> 0');
        expect(pendings).toHaveLength(5); // one reservation per chunk of two records
    });
});
describe('merchant payout', () => {
    it('moves everything available from merchant payable to the bank, once per reference', async () => {
        const available = (await payable(GROCER.id)).posted;
        expect(available).toBeGreaterThan(0n);
        const bankBefore = await world.ledger.lookupAccounts([registry_1.Registry.platformAccountId('bank')]);
        const payout = await (0, merchant_payout_1.payOutMerchant)({ db: world.database.db, ledger: world.ledger }, { merchantId: GROCER.id, reference: 'BANK-REF-1' });
        expect(payout).toMatchObject({ outcome: 'paid', amountMinor: available });
        expect((await payable(GROCER.id)).posted).toBe(0n);
        const bankAfter = await world.ledger.lookupAccounts([registry_1.Registry.platformAccountId('bank')]);
        expect(bankAfter[0].creditsPosted - bankBefore[0].creditsPosted).toBe(available);
        const again = await (0, merchant_payout_1.payOutMerchant)({ db: world.database.db, ledger: world.ledger }, { merchantId: GROCER.id, reference: 'BANK-REF-1' });
        expect(again).toMatchObject({ outcome: 'already_paid', amountMinor: available, transferId: payout.transferId });
        const nothing = await (0, merchant_payout_1.payOutMerchant)({ db: world.database.db, ledger: world.ledger }, { merchantId: GROCER.id, reference: 'BANK-REF-2' });
        expect(nothing).toMatchObject({ outcome: 'nothing_to_pay', amountMinor: 0n });
    });
    it('refuses a payout larger than what is available, and an unknown merchant', async () => {
        const cafe = (await payable(CAFE.id)).posted;
        await expect((0, merchant_payout_1.payOutMerchant)({ db: world.database.db, ledger: world.ledger }, { merchantId: CAFE.id, reference: 'TOO-MUCH', amountMinor: cafe + 1n })).rejects.toMatchObject({ code: 'payout_refused' });
        await expect((0, merchant_payout_1.payOutMerchant)({ db: world.database.db, ledger: world.ledger }, { merchantId: 'nobody', reference: 'X' })).rejects.toMatchObject({ code: 'merchant_unknown' });
    });
});
