"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
// The per-record rules of settlement as a pure function; settlement.test.ts proves the same rules
// end to end through Temporal, PostgreSQL and the merchant simulator.
const record_verdict_1 = require("../settlement/record-verdict");
const MERCHANT = 'grocer';
const SAM = '53414D0000000001';
const CSN = '6071000000000019';
function record(index, overrides = {}) {
    return { index, csn: CSN, atc: index + 1, purse: 1, amount: 1000n, samId: SAM, samSeq: index + 1, proof: 'valid', ...overrides };
}
function context(overrides = {}) {
    return {
        batchKey: 'TC-1',
        merchant: { id: MERCHANT, foodEligible: true },
        samOwners: new Map([[SAM, MERCHANT]]),
        cards: new Map([[CSN, { blocked: false }]]),
        settledCardAtc: new Map(),
        settledSamSeq: new Map(),
        purses: new Map([
            [`${CSN}:1`, { loaded: 10000n, settled: 0n }],
            [`${CSN}:2`, { loaded: 10000n, settled: 0n }],
        ]),
        ...overrides,
    };
}
const reasonOf = (records, ctx = context()) => (0, record_verdict_1.decideChunk)(records, ctx).verdicts.map((v) => (v.accepted ? 'accepted' : v.reason));
describe('the verdict on a settlement record', () => {
    it('accepts a genuine purchase of a known card through the merchant’s own SAM and sums it per purse', () => {
        const decision = (0, record_verdict_1.decideChunk)([record(0), record(1, { purse: 2, amount: 300n })], context());
        expect(decision.verdicts.every((v) => v.accepted)).toBe(true);
        expect(decision.acceptedByPurse).toEqual(new Map([[1, 1000n], [2, 300n]]));
        expect(decision.settledDeltas).toEqual(new Map([[`${CSN}:1`, 1000n], [`${CSN}:2`, 300n]]));
    });
    it.each([
        ['malformed_record', { proof: 'malformed_record' }],
        ['malformed_record', { purse: 3 }],
        ['malformed_record', { amount: 0n }],
        ['sam_mac_invalid', { proof: 'sam_mac_invalid' }],
        ['card_mac_invalid', { proof: 'card_mac_invalid' }],
        ['duplicate_in_file', { proof: 'duplicate_in_file' }],
        ['unknown_sam', { samId: '53414D00000000EE' }],
        ['unknown_card', { csn: '6071000000000027' }],
    ])('rejects a record as %s', (reason, overrides) => {
        expect(reasonOf([record(0, overrides)])).toEqual([reason]);
    });
    it("rejects a record from another merchant's SAM", () => {
        expect(reasonOf([record(0)], context({ samOwners: new Map([[SAM, 'cafe']]) }))).toEqual(['sam_of_other_merchant']);
    });
    it('rejects a purchase from a blocked card', () => {
        expect(reasonOf([record(0)], context({ cards: new Map([[CSN, { blocked: true }]]) }))).toEqual(['card_blocked']);
    });
    it('rejects food vouchers at a merchant that may not take them, but not e-cash', () => {
        const ctx = context({ merchant: { id: MERCHANT, foodEligible: false } });
        expect(reasonOf([record(0, { purse: 2 }), record(1)], ctx)).toEqual(['food_not_accepted', 'accepted']);
    });
    it('tells a pair settled by an earlier chunk of the same file from one settled by another batch', () => {
        expect(reasonOf([record(0)], context({ settledCardAtc: new Map([[`${CSN}:1`, 'TC-1']]) }))).toEqual(['duplicate_in_file']);
        expect(reasonOf([record(0)], context({ settledCardAtc: new Map([[`${CSN}:1`, 'TC-0']]) }))).toEqual(['already_settled']);
        expect(reasonOf([record(0)], context({ settledSamSeq: new Map([[`${SAM}:1`, 'TC-0']]) }))).toEqual(['sam_sequence_replayed']);
    });
    it('pays a purchase repeated inside the chunk once', () => {
        expect(reasonOf([record(0), record(1, { atc: 1 }), record(2, { samSeq: 1, atc: 9 })])).toEqual(['accepted', 'duplicate_in_file', 'duplicate_in_file']);
    });
    it('does not let a rejected forgery hide the genuine record that follows it', () => {
        expect(reasonOf([record(0, { proof: 'card_mac_invalid' }), record(1, { atc: 1, samSeq: 1 })])).toEqual(['card_mac_invalid', 'accepted']);
    });
    it('holds back what exceeds the purse’s loads, counting earlier settlements and earlier records of the chunk', () => {
        const ctx = context({ purses: new Map([[`${CSN}:1`, { loaded: 2000n, settled: 500n }]]) });
        const decision = (0, record_verdict_1.decideChunk)([record(0), record(1), record(2, { amount: 500n })], ctx);
        expect(decision.verdicts.map((v) => (v.accepted ? 'accepted' : v.reason))).toEqual(['accepted', 'card_overspent', 'accepted']);
        expect(decision.overspentPurses).toEqual(new Set([`${CSN}:1`]));
        expect(decision.settledDeltas.get(`${CSN}:1`)).toBe(1500n);
    });
    it('treats a purse that was never loaded as empty', () => {
        expect(reasonOf([record(0)], context({ purses: new Map() }))).toEqual(['card_overspent']);
    });
    it('fails loudly when records do not come in file order', () => {
        expect(() => (0, record_verdict_1.decideChunk)([record(1), record(0)], context())).toThrow(expect.objectContaining({ code: 'invariant_broken' }));
    });
});
