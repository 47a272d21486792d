"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const fixture_1 = require("./fixture");
let f;
beforeAll(async () => {
    f = await (0, fixture_1.openLedgerFixture)('accounts');
});
afterAll(async () => {
    await f.close();
});
const results = async (...inputs) => (await f.ledger.createAccounts(inputs)).map((r) => r.result);
const customer = (change = {}) => ({ id: (0, fixture_1.newId)(), ledger: fixture_1.EUR, code: 'customer_cash', ownerRef: 'cust-1', metadata: { tier: 'gold', limits: [1, 2] }, ...change });
test('an account is created with zero counters and can be looked up', async () => {
    const input = customer({ flags: { debitsMustNotExceedCredits: true, history: true } });
    expect(await results(input)).toEqual(['ok']);
    const [a] = await f.ledger.lookupAccounts([input.id]);
    expect(a).toMatchObject({ id: input.id, ledger: fixture_1.EUR, code: 'customer_cash', ownerRef: 'cust-1', metadata: { tier: 'gold', limits: [1, 2] }, debitsPending: 0n, debitsPosted: 0n, creditsPending: 0n, creditsPosted: 0n });
    expect(a.flags).toMatchObject({ debitsMustNotExceedCredits: true, history: true, closed: false });
});
test('an identical resubmission answers exists, whatever the key order of its metadata', async () => {
    const input = customer();
    expect(await results(input)).toEqual(['ok']);
    expect(await results({ ...input, metadata: { limits: [1, 2], tier: 'gold' } })).toEqual(['exists']);
});
test.each([
    ['exists_with_different_flags', { flags: { history: true } }],
    ['exists_with_different_ledger', { ledger: fixture_1.EUR_FOOD }],
    ['exists_with_different_code', { code: 'customer_food' }],
    ['exists_with_different_owner_ref', { ownerRef: 'cust-2' }],
    ['exists_with_different_metadata', { metadata: { tier: 'silver' } }],
])('a resubmission with another field answers %s', async (expected, change) => {
    const input = customer();
    expect(await results(input)).toEqual(['ok']);
    expect(await results({ ...input, ...change })).toEqual([expected]);
});
test.each([
    ['id_must_be_uuid', { id: 'nope' }],
    ['flags_are_mutually_exclusive', { flags: { debitsMustNotExceedCredits: true, creditsMustNotExceedDebits: true } }],
    ['code_must_be_known', { code: 'savings' }],
    ['owner_ref_too_long', { ownerRef: 'x'.repeat(129) }],
    ['metadata_must_be_object', { metadata: [1, 2] }],
    ['ledger_not_found', { ledger: 99 }],
])('refuses a malformed account with %s', async (expected, change) => {
    expect(await results(customer(change))).toEqual([expected]);
});
test('the same id twice in one request: the second answers exists', async () => {
    const input = customer();
    expect(await results(input, input)).toEqual(['ok', 'exists']);
});
test('linked accounts are created all or nothing', async () => {
    const good = customer({ flags: { linked: true } });
    const bad = customer({ ledger: 99 });
    expect(await results(good, bad)).toEqual(['linked_event_failed', 'ledger_not_found']);
    expect(await f.ledger.lookupAccounts([good.id])).toEqual([]);
    expect(await results(customer({ flags: { linked: true } }))).toEqual(['linked_event_chain_open']);
});
test('lookupAccounts returns the existing accounts in the order asked and skips unknown ids', async () => {
    const a = customer();
    const b = customer();
    await f.ledger.createAccounts([a, b]);
    expect((await f.ledger.lookupAccounts([b.id, (0, fixture_1.newId)(), 'junk', a.id])).map((x) => x.id)).toEqual([b.id, a.id]);
});
test('defineLedgers is idempotent and refuses to change a ledger', async () => {
    await f.ledger.defineLedgers([{ id: fixture_1.EUR, currency: 'EUR', exponent: 2, name: 'eur-cash' }]);
    const error = await f.ledger.defineLedgers([{ id: fixture_1.EUR, currency: 'EUR', exponent: 3, name: 'eur-cash' }]).catch((err) => err);
    expect(error.code).toBe('ledger_definition_conflict');
    expect((await f.ledger.listLedgers()).map((l) => l.id)).toEqual([fixture_1.EUR, fixture_1.EUR_FOOD]);
});
test('defineLedgers refuses malformed definitions', async () => {
    for (const bad of [
        { id: 0, currency: 'EUR', exponent: 2, name: 'zero' },
        { id: 7, currency: 'eur', exponent: 2, name: 'lower' },
        { id: 8, currency: 'EUR', exponent: 19, name: 'too-fine' },
    ]) {
        const error = await f.ledger.defineLedgers([bad]).catch((err) => err);
        expect(error.code).toBe('input_malformed');
    }
});
test('createAccounts refuses unknown flags and empty requests with typed errors', async () => {
    const unknown = await f.ledger.createAccounts([{ ...customer(), flags: { histroy: true } }]).catch((err) => err);
    expect(unknown.code).toBe('input_malformed');
    const empty = await f.ledger.createAccounts([]).catch((err) => err);
    expect(empty.code).toBe('batch_empty');
});
