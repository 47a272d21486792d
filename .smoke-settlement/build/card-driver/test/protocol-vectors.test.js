"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
// The vector APDUs of spec/vectors.json, byte for byte: the host side builds exactly the command
// APDUs, and the simulated card answers exactly the responses.
const index_1 = require("../index");
const node_stream_1 = require("node:stream");
const spec_vectors_1 = require("./spec-vectors");
const keys = (0, index_1.testKeyStore)();
const csn = (0, index_1.parseCsn)(spec_vectors_1.vectors.card.CSN);
const ol = spec_vectors_1.vectors.online_load;
const off = spec_vectors_1.vectors.offline_load;
const pu = spec_vectors_1.vectors.purchase;
const fixedRandom = (rc) => (n) => {
    expect(n).toBe(8);
    return (0, spec_vectors_1.hex)(rc);
};
/** The card of the vectors, taken through online load → offline load → purchase. */
function vectorCard() {
    return index_1.SimulatedCard.issue(keys, csn, { random: fixedRandom(ol.RC) });
}
describe('ATR and identities', () => {
    test('the simulated card answers the vector ATR (TCK included)', () => {
        expect((0, spec_vectors_1.toHex)(index_1.ESMART_ATR)).toBe(spec_vectors_1.vectors.card.ATR);
    });
    test('the AID is F0 45 53 4D 41 52 54 01', () => {
        expect((0, spec_vectors_1.toHex)(index_1.AID)).toBe('F045534D41525401');
    });
});
describe('online load vector', () => {
    const session = { csn, atc: ol.ATC, purse: index_1.PURSE.ecash, amount: BigInt(ol.amount), rh: (0, spec_vectors_1.hex)(ol.RH), rc: (0, spec_vectors_1.hex)(ol.RC) };
    const kl = index_1.SecretKey.fromHex(spec_vectors_1.vectors.card.KL, 'KL');
    test('MAC1, MAC2 and MAC3 from KL', () => {
        expect((0, spec_vectors_1.toHex)((0, index_1.computeMac1)(kl, session))).toBe(ol.MAC1);
        expect((0, spec_vectors_1.toHex)((0, index_1.computeMac2)(kl, session))).toBe(ol.MAC2);
        expect((0, spec_vectors_1.toHex)((0, index_1.computeMac3)(kl, session))).toBe(ol.MAC3);
    });
    test('the key store verifies MAC1 and MAC3 and produces MAC2 without showing KL', () => {
        expect(keys.verifyMac1(session, (0, spec_vectors_1.hex)(ol.MAC1))).toBe(true);
        expect((0, spec_vectors_1.toHex)(keys.mac2(session))).toBe(ol.MAC2);
        expect(keys.verifyMac3(session, (0, spec_vectors_1.hex)(ol.MAC3))).toBe(true);
        expect(keys.verifyMac3(session, (0, spec_vectors_1.hex)('00000000'))).toBe(false);
    });
    test('the command builders give the vector command APDUs', () => {
        expect((0, spec_vectors_1.toHex)((0, index_1.selectCommand)())).toBe(ol.apdus[0].c);
        expect((0, spec_vectors_1.toHex)((0, index_1.getBalanceCommand)(index_1.PURSE.ecash))).toBe(ol.apdus[1].c);
        expect((0, spec_vectors_1.toHex)((0, index_1.initializeLoadCommand)({ mode: 'online', purse: index_1.PURSE.ecash, amount: BigInt(ol.amount), rh: (0, spec_vectors_1.hex)(ol.RH) }))).toBe(ol.apdus[2].c);
        expect((0, spec_vectors_1.toHex)((0, index_1.creditLoadCommand)({ mode: 'online', purse: index_1.PURSE.ecash, amount: BigInt(ol.amount), auth: (0, spec_vectors_1.hex)(ol.MAC2) }))).toBe(ol.apdus[3].c);
    });
    test('the simulated card answers each vector command with the vector response', () => {
        const card = vectorCard();
        for (const { c, r } of ol.apdus)
            expect((0, spec_vectors_1.toHex)(card.process((0, spec_vectors_1.hex)(c)))).toBe(r);
    });
    test('the host session drives the card through exactly the vector exchange', async () => {
        const card = vectorCard();
        const exchanged = [];
        const channel = (0, index_1.inMemoryChannel)(card, (c, r) => exchanged.push({ c: (0, spec_vectors_1.toHex)(c), r: (0, spec_vectors_1.toHex)(r) }));
        await new index_1.EsmartSession(channel).select();
        await new index_1.EsmartSession(channel).balance(index_1.PURSE.ecash);
        exchanged.length = 0;
        const result = await (0, index_1.performOnlineLoad)(channel, keys, { csn, purse: index_1.PURSE.ecash, amount: BigInt(ol.amount), rh: (0, spec_vectors_1.hex)(ol.RH) });
        expect(exchanged).toEqual([ol.apdus[0], ol.apdus[2], ol.apdus[3]]);
        expect(result.newBalance).toBe(25000n);
        expect((0, spec_vectors_1.toHex)(result.mac3)).toBe(ol.MAC3);
    });
});
describe('offline load vector', () => {
    const credit = { csn, atc: off.ATC, purse: index_1.PURSE.food, amount: BigInt(off.amount) };
    const zero = Buffer.alloc(8);
    const kl = index_1.SecretKey.fromHex(spec_vectors_1.vectors.card.KL, 'KL');
    test('MAC1, MAC2, MAC3 with zero randoms', () => {
        expect((0, spec_vectors_1.toHex)((0, index_1.computeMac1)(kl, { ...credit, rh: zero, rc: zero }))).toBe(off.MAC1);
        expect((0, spec_vectors_1.toHex)((0, index_1.computeMac2)(kl, { ...credit, rh: zero, rc: zero }))).toBe(off.MAC2);
        expect((0, spec_vectors_1.toHex)((0, index_1.computeMac3)(kl, credit))).toBe(off.MAC3);
    });
    test('the three codes format as in the vector', () => {
        expect((0, index_1.formatRequestCode)(off.ATC, (0, spec_vectors_1.hex)(off.MAC1))).toBe(off.request_code);
        expect((0, index_1.formatAuthorizationCode)((0, spec_vectors_1.hex)(off.MAC2))).toBe(off.authorization_code);
        expect((0, index_1.formatConfirmationCode)((0, spec_vectors_1.hex)(off.MAC3))).toBe(off.confirmation_code);
    });
    test('the key store checks the request code, issues the authorization code and checks the confirmation', () => {
        expect(keys.verifyRequestCode({ csn, purse: index_1.PURSE.food, amount: BigInt(off.amount) }, off.request_code)).toEqual({ valid: true, atc: 2 });
        expect(keys.authorizationCode(credit)).toBe(off.authorization_code);
        expect(keys.verifyConfirmationCode(credit, off.confirmation_code)).toEqual({ valid: true });
    });
    test('the offline CREDIT LOAD APDU carries the 8 authorization digits as an integer', () => {
        expect((0, spec_vectors_1.toHex)((0, index_1.creditLoadCommand)({ mode: 'offline', purse: index_1.PURSE.food, amount: BigInt(off.amount), auth: (0, spec_vectors_1.hex)('0090C232') }))).toBe(off.credit_apdu);
    });
    test('the pocket shows the vector request code and, given the authorization code, the vector confirmation code', async () => {
        const card = vectorCard();
        await (0, index_1.performOnlineLoad)((0, index_1.inMemoryChannel)(card), keys, { csn, purse: index_1.PURSE.ecash, amount: BigInt(ol.amount), rh: (0, spec_vectors_1.hex)(ol.RH) });
        const pocket = new index_1.EcomPocket(card);
        const process = jest.spyOn(card, 'process');
        expect(pocket.requestCode(index_1.PURSE.food, BigInt(off.amount))).toBe(off.request_code);
        expect(pocket.enterAuthorizationCode(off.authorization_code)).toBe(off.confirmation_code);
        expect(process.mock.calls.map(([apdu]) => (0, spec_vectors_1.toHex)(apdu))).toContain(off.credit_apdu);
        expect(pocket.lastConfirmationCode()).toBe(off.confirmation_code);
    });
});
describe('purchase and .estb vectors', () => {
    const samId = (0, index_1.parseSamId)(pu.SAM_id);
    const proof = { csn, atc: pu.ATC, purse: index_1.PURSE.ecash, amount: BigInt(pu.amount), newBalance: BigInt(pu.new_balance), samId, samSeq: pu.SAM_seq };
    test('MACP from KP', () => {
        expect((0, spec_vectors_1.toHex)((0, index_1.computePurchaseMac)(index_1.SecretKey.fromHex(spec_vectors_1.vectors.card.KP, 'KP'), proof))).toBe(pu.MACP);
        expect(keys.verifyPurchaseMac(proof, (0, spec_vectors_1.hex)(pu.MACP))).toBe(true);
    });
    test('the DEBIT command APDU', () => {
        expect((0, spec_vectors_1.toHex)((0, index_1.debitCommand)({ purse: index_1.PURSE.ecash, amount: BigInt(pu.amount), samId, samSeq: pu.SAM_seq }))).toBe(pu.debit_apdu);
    });
    test('the simulated POS, SAM and card produce the vector record after the two loads', async () => {
        const card = vectorCard();
        await (0, index_1.performOnlineLoad)((0, index_1.inMemoryChannel)(card), keys, { csn, purse: index_1.PURSE.ecash, amount: BigInt(ol.amount), rh: (0, spec_vectors_1.hex)(ol.RH) });
        const pocket = new index_1.EcomPocket(card);
        pocket.requestCode(index_1.PURSE.food, BigInt(off.amount));
        pocket.enterAuthorizationCode(off.authorization_code);
        const time = (0, index_1.decodeRecord)((0, spec_vectors_1.hex)(pu.record)).time;
        const pos = new index_1.SimulatedPos(index_1.SimulatedSam.issue(keys, samId, pu.SAM_seq), () => time);
        expect((0, spec_vectors_1.toHex)(pos.purchase(card, index_1.PURSE.ecash, BigInt(pu.amount)))).toBe(pu.record);
    });
    test('the Transfer card file of the vector, MAC trailer included', () => {
        const file = (0, spec_vectors_1.hex)(spec_vectors_1.vectors.estb.file);
        const created = file.readUInt32BE(21);
        const built = (0, index_1.encodeEstbFile)({ transferCardId: (0, index_1.parseTransferCardId)(spec_vectors_1.vectors.estb.transfer_card_id), batchSeq: spec_vectors_1.vectors.estb.batch_seq, created }, [(0, spec_vectors_1.hex)(pu.record)], keys.transferCardKey((0, index_1.parseTransferCardId)(spec_vectors_1.vectors.estb.transfer_card_id)));
        expect((0, spec_vectors_1.toHex)(built)).toBe(spec_vectors_1.vectors.estb.file);
    });
    test('the vector file verifies: file MAC, MACP and MACS hold', async () => {
        const summary = await (0, index_1.verifyEstb)(node_stream_1.Readable.from([(0, spec_vectors_1.hex)(spec_vectors_1.vectors.estb.file)]), { keys });
        expect(summary).toMatchObject({ fileAccepted: true, records: 1, acceptedRecords: 1, rejectedRecords: 0 });
        expect(summary.header).toMatchObject({ transferCardId: spec_vectors_1.vectors.estb.transfer_card_id, batchSeq: 5, recordCount: 1 });
    });
});
