"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const fixture_1 = require("./fixture");
let f;
beforeAll(async () => {
    f = await (0, fixture_1.openLedgerFixture)('linked');
});
afterAll(async () => {
    await f.expectConsistent();
    await f.close();
});
async function setup() {
    const { account } = await f.funded(1000n);
    return { customer: account, float: await f.account('float_ecash', { debitsMustNotExceedCredits: true }), merchant: await f.account('merchant_payable') };
}
const move = (debit, credit, amount, linked) => ({ id: (0, fixture_1.newId)(), debitAccountId: debit, creditAccountId: credit, amount, code: 4, flags: { linked } });
test('a chain that succeeds applies every event, each seeing the one before', async () => {
    const { customer, float, merchant } = await setup();
    const out = await f.ledger.createTransfers([move(customer, float, 600n, true), move(float, merchant, 600n, false)]);
    expect(out.map((r) => r.result)).toEqual(['ok', 'ok']);
    const [c, fl, m] = await f.ledger.lookupAccounts([customer, float, merchant]);
    expect([c.debitsPosted, fl.creditsPosted, fl.debitsPosted, m.creditsPosted]).toEqual([600n, 600n, 600n, 600n]);
});
test('a failing event rolls the whole chain back: the first failure is named, the others linked_event_failed', async () => {
    const { customer, float, merchant } = await setup();
    const out = await f.ledger.createTransfers([move(customer, float, 600n, true), move(float, merchant, 700n, true), move(customer, merchant, 1n, false)]);
    expect(out.map((r) => r.result)).toEqual(['linked_event_failed', 'exceeds_credits', 'linked_event_failed']);
    const [c, fl, m] = await f.ledger.lookupAccounts([customer, float, merchant]);
    expect([c.debitsPosted, fl.creditsPosted, m.creditsPosted]).toEqual([0n, 0n, 0n]);
    expect(await f.ledger.lookupTransfers(out.map((r) => r.id))).toEqual([]);
});
test('independent events and chains in one request succeed or fail on their own', async () => {
    const { customer, float, merchant } = await setup();
    const out = await f.ledger.createTransfers([
        move(customer, merchant, 100n, false),
        move(customer, float, 5000n, true),
        move(float, merchant, 1n, false),
        move(customer, merchant, 100n, false),
    ]);
    expect(out.map((r) => r.result)).toEqual(['ok', 'exceeds_credits', 'linked_event_failed', 'ok']);
    expect((await f.ledger.lookupAccounts([customer]))[0].debitsPosted).toBe(200n);
});
test('a chain left open at the end of the request fails as linked_event_chain_open', async () => {
    const { customer, merchant } = await setup();
    const out = await f.ledger.createTransfers([move(customer, merchant, 1n, false), move(customer, merchant, 1n, true), move(customer, merchant, 1n, true)]);
    expect(out.map((r) => r.result)).toEqual(['ok', 'linked_event_failed', 'linked_event_chain_open']);
});
test('a pending transfer and its post in one chain are both undone when the chain fails', async () => {
    const { customer, float, merchant } = await setup();
    const pending = { ...move(customer, float, 500n, true), flags: { linked: true, pending: true } };
    const post = { id: (0, fixture_1.newId)(), pendingId: pending.id, flags: { linked: true, postPendingTransfer: true } };
    const out = await f.ledger.createTransfers([pending, post, move(float, merchant, 501n, false)]);
    expect(out.map((r) => r.result)).toEqual(['linked_event_failed', 'linked_event_failed', 'exceeds_credits']);
    const [c] = await f.ledger.lookupAccounts([customer]);
    expect([c.debitsPending, c.debitsPosted]).toEqual([0n, 0n]);
});
test('retrying a chain that was applied answers exists for every event and applies nothing', async () => {
    const { customer, float, merchant } = await setup();
    const chain = [move(customer, float, 300n, true), move(float, merchant, 300n, false)];
    expect((await f.ledger.createTransfers(chain)).map((r) => r.result)).toEqual(['ok', 'ok']);
    expect((await f.ledger.createTransfers(chain)).map((r) => r.result)).toEqual(['exists', 'exists']);
    expect((await f.ledger.lookupAccounts([customer]))[0].debitsPosted).toBe(300n);
});
test('a state-dependent failure inside a chain is remembered for that id only', async () => {
    const { customer, float, merchant } = await setup();
    const first = move(customer, float, 100n, true);
    const failing = move(float, merchant, 1000n, false);
    expect((await f.ledger.createTransfers([first, failing])).map((r) => r.result)).toEqual(['linked_event_failed', 'exceeds_credits']);
    expect((await f.ledger.createTransfers([{ ...first, flags: {} }])).map((r) => r.result)).toEqual(['ok']);
    expect((await f.ledger.createTransfers([failing])).map((r) => r.result)).toEqual(['id_already_failed']);
});
