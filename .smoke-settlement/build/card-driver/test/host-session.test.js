"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
// The host side of the protocol driving the simulated card in memory: the online load, every
// refusal the card can answer, and torn loads recovered from the card's log (spec 4.1).
const index_1 = require("../index");
const keys = (0, index_1.testKeyStore)();
const csn = (0, index_1.csnWithCheckDigit)('607100000000777');
const samId = (0, index_1.parseSamId)('53414D0000000001');
function cardAndChannel(options = {}) {
    const card = index_1.SimulatedCard.issue(keys, csn, options);
    return { card, channel: (0, index_1.inMemoryChannel)(card) };
}
async function refusal(promise) {
    try {
        await promise;
    }
    catch (err) {
        expect(err).toBeInstanceOf(index_1.EsmartError);
        return err;
    }
    throw new Error('expected the card to refuse');
}
describe('reading a card', () => {
    test('select gives CSN, version, currency and MAXBAL', async () => {
        const { channel } = cardAndChannel();
        expect(await new index_1.EsmartSession(channel).select()).toEqual({ csn, version: 1, currency: '0356', maxBalance: 1000000n });
    });
    test('balances and the whole log, newest first', async () => {
        const { card, channel } = cardAndChannel();
        await (0, index_1.performOnlineLoad)(channel, keys, { purse: index_1.PURSE.ecash, amount: 500n });
        await (0, index_1.performOnlineLoad)(channel, keys, { purse: index_1.PURSE.food, amount: 300n });
        const session = new index_1.EsmartSession(channel);
        await session.select();
        expect(await session.balances()).toEqual({ ecash: 500n, food: 300n });
        const log = await session.readWholeLog();
        expect(log.map((r) => [r.type, r.atc, r.purse])).toEqual([['load', 2, 2], ['load', 1, 1]]);
        expect(card.log).toEqual(log);
    });
    test('a card that answers a short SELECT is a malformed_response', async () => {
        const channel = { transmit: async () => Buffer.from('01029000', 'hex') };
        expect((await refusal(new index_1.EsmartSession(channel).select())).code).toBe('malformed_response');
    });
});
describe('online load, host against card', () => {
    test('credits the card and proves it with MAC3', async () => {
        const { card, channel } = cardAndChannel();
        const authorized = [];
        const result = await (0, index_1.performOnlineLoad)(channel, keys, { csn, purse: index_1.PURSE.ecash, amount: 25000n, authorize: async (s) => void authorized.push(s) });
        expect(result).toMatchObject({ atc: 1, balanceBefore: 0n, newBalance: 25000n });
        expect(authorized).toHaveLength(1);
        expect(card.balance(index_1.PURSE.ecash)).toBe(25000n);
    });
    test('the wrong card in the reader is refused before anything is sent', async () => {
        const { card, channel } = cardAndChannel();
        const other = (0, index_1.csnWithCheckDigit)('607100000000888');
        expect((await refusal((0, index_1.performOnlineLoad)(channel, keys, { csn: other, purse: index_1.PURSE.ecash, amount: 1n }))).code).toBe('wrong_card');
        expect(card.atcCard).toBe(0);
    });
    test('a card with foreign keys fails MAC1 and is never authorized', async () => {
        const foreign = new index_1.IssuerKeyStore({ ...(0, index_1.testMasterKeys)(), load: index_1.SecretKey.fromHex('00112233445566778899AABBCCDDEEFF', 'other') }, 'given');
        const card = index_1.SimulatedCard.issue(foreign, csn);
        const authorize = jest.fn();
        const err = await refusal((0, index_1.performOnlineLoad)((0, index_1.inMemoryChannel)(card), keys, { purse: index_1.PURSE.ecash, amount: 1n, authorize }));
        expect(err.code).toBe('mac1_invalid');
        expect(authorize).not.toHaveBeenCalled();
    });
    test('an authorize hook that throws stops the load before CREDIT LOAD', async () => {
        const { card, channel } = cardAndChannel();
        await expect((0, index_1.performOnlineLoad)(channel, keys, { purse: index_1.PURSE.ecash, amount: 1n, authorize: async () => Promise.reject(new Error('no funds')) })).rejects.toThrow('no funds');
        expect(card.balance(index_1.PURSE.ecash)).toBe(0n);
    });
    test('a load beyond MAXBAL is refused 9402', async () => {
        const { channel } = cardAndChannel({ maxBalance: 100n });
        const err = await refusal((0, index_1.performOnlineLoad)(channel, keys, { purse: index_1.PURSE.ecash, amount: 101n }));
        expect(err).toMatchObject({ code: 'card_refused', sw: 0x9402 });
    });
    test('a card answering CREDIT LOAD with a bad MAC3 gives mac3_invalid', async () => {
        const { card } = cardAndChannel();
        const channel = {
            transmit: async (apdu) => {
                const r = card.process(apdu);
                if (apdu[1] === 0x52)
                    r[7] ^= 0xff;
                return r;
            },
        };
        expect((await refusal((0, index_1.performOnlineLoad)(channel, keys, { purse: index_1.PURSE.ecash, amount: 1n }))).code).toBe('mac3_invalid');
    });
    test('a purchase refused for a low balance is 9401', async () => {
        const { channel } = cardAndChannel();
        const session = new index_1.EsmartSession(channel);
        await session.select();
        expect(await refusal(session.debit({ purse: index_1.PURSE.ecash, amount: 1n, samId, samSeq: 1 }))).toMatchObject({ sw: 0x9401 });
    });
    test('READ LOG past the records reads as no record', async () => {
        const { channel } = cardAndChannel();
        const session = new index_1.EsmartSession(channel);
        await session.select();
        expect(await session.readLog(1)).toBeUndefined();
    });
    test('a command before SELECT is refused 6985', async () => {
        const { channel } = cardAndChannel();
        expect(await refusal(new index_1.EsmartSession(channel).balance(index_1.PURSE.ecash))).toMatchObject({ sw: 0x6985 });
    });
});
describe('a load torn away, recovered from the log', () => {
    const amount = 4000n;
    async function tornLoad(point) {
        const { card, channel } = cardAndChannel();
        await (0, index_1.performOnlineLoad)(channel, keys, { purse: index_1.PURSE.ecash, amount: 1000n });
        let session;
        card.tearAt(point);
        const error = await (0, index_1.performOnlineLoad)(channel, keys, { purse: index_1.PURSE.ecash, amount, authorize: async (s) => void (session = s) }).catch((e) => e);
        expect(error).toBeInstanceOf(index_1.CardTornError);
        card.insert();
        return { card, channel, session };
    }
    test('torn before INITIALIZE LOAD: nothing was reserved', async () => {
        const { card, session } = await tornLoad('before-initialize');
        expect(session).toBeUndefined();
        expect(card.balance(index_1.PURSE.ecash)).toBe(1000n);
    });
    test('torn after INITIALIZE LOAD: nothing was reserved, the card was not credited', async () => {
        const { card, session } = await tornLoad('after-initialize');
        expect(session).toBeUndefined();
        expect(card.atcCard).toBe(1);
    });
    test('torn before the credit reached the card: recovery proves it was not credited', async () => {
        const { card, channel, session } = await tornLoad('before-credit');
        const recovery = await (0, index_1.recoverTornLoad)(channel, keys, session);
        expect(recovery).toEqual({ outcome: 'not_credited', atcCard: 1 });
        expect(card.balance(index_1.PURSE.ecash)).toBe(1000n);
    });
    test('torn after the card credited: recovery proves the credit with MAC3 from the log', async () => {
        const { card, channel, session } = await tornLoad('after-credit');
        const recovery = await (0, index_1.recoverTornLoad)(channel, keys, session);
        expect(recovery.outcome).toBe('credited');
        expect(recovery.outcome === 'credited' && recovery.mac3.equals(keys.mac3(session))).toBe(true);
        expect(card.balance(index_1.PURSE.ecash)).toBe(1000n + amount);
    });
    test('a credited load whose record rolled out of the 10-record log goes to an operator', async () => {
        const { channel, session } = await tornLoad('after-credit');
        for (let i = 0; i < 10; i++)
            await (0, index_1.performOnlineLoad)(channel, keys, { purse: index_1.PURSE.food, amount: 1n });
        expect(await (0, index_1.recoverTornLoad)(channel, keys, session)).toMatchObject({ outcome: 'undetermined', reason: 'rolled_out_of_log', atcCard: 12 });
    });
    test('a later purchase at the torn load\'s ATC is no proof either way: operator', async () => {
        const { channel, session } = await tornLoad('before-credit');
        const s = new index_1.EsmartSession(channel);
        await s.select();
        await s.debit({ purse: index_1.PURSE.ecash, amount: 1n, samId, samSeq: 9 });
        expect(await (0, index_1.recoverTornLoad)(channel, keys, session)).toMatchObject({ outcome: 'undetermined', reason: 'record_mismatch' });
    });
    test('recovery is read-only: repeating it gives the same answer', async () => {
        const { channel, session } = await tornLoad('after-credit');
        const first = await (0, index_1.recoverTornLoad)(channel, keys, session);
        expect(await (0, index_1.recoverTornLoad)(channel, keys, session)).toEqual(first);
    });
    test('recovery refuses another card', async () => {
        const { session } = await tornLoad('after-credit');
        const other = index_1.SimulatedCard.issue(keys, (0, index_1.csnWithCheckDigit)('607100000000999'));
        expect((await refusal((0, index_1.recoverTornLoad)((0, index_1.inMemoryChannel)(other), keys, session))).code).toBe('wrong_card');
    });
});
describe('every refusal reaches the host as a typed error carrying its SW', () => {
    test.each(['6700', '6A80', '6A83', '6A86', '6982', '6985', '6D00', '6E00', '9401', '9402'])('SW %s', async (sw) => {
        const channel = { transmit: async () => Buffer.from(sw, 'hex') };
        const err = await refusal(new index_1.EsmartSession(channel).balance(index_1.PURSE.ecash));
        expect(err).toMatchObject({ code: 'card_refused', sw: parseInt(sw, 16) });
        expect(err.message).toContain(sw);
    });
});
