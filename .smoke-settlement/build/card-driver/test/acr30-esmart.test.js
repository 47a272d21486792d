"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
// The real e-Smart online load (esmart/session) through the ACR30 driver and the ACR30 simulator
// holding the simulated e-Smart card, over a socat pty pair: the happy path at both line speeds,
// a lost CREDIT LOAD reply recovered with NAK, and a card torn away after the credit.
const socat_pair_1 = require("../../test-support/socat-pair");
const acr30_reader_1 = require("../acr30/acr30-reader");
const acr30_simulator_1 = require("../acr30/acr30-simulator");
const identity_1 = require("../esmart/identity");
const session_1 = require("../esmart/session");
const master_key_config_1 = require("../keys/master-key-config");
const reader_error_1 = require("../reader/reader-error");
const esmart_card_1 = require("../simulator/esmart-card");
const keys = (0, master_key_config_1.testKeyStore)();
const CSN = (0, identity_1.parseCsn)('6071000000000019');
let pair;
let sim;
let reader;
let card;
beforeEach(async () => {
    card = esmart_card_1.SimulatedCard.issue(keys, CSN);
    pair = await (0, socat_pair_1.openSocatPair)();
    sim = await acr30_simulator_1.Acr30Simulator.open({ path: pair.devicePath, card, announceReset: false });
    reader = await acr30_reader_1.Acr30Reader.open({ path: pair.hostPath, timeouts: { controlMs: 500, resetMs: 500, exchangeMs: 800 } });
});
afterEach(async () => {
    await reader.close();
    await sim.close();
    await pair.close();
});
test('an online load at 9600 bps credits the card and the host verifies MAC3', async () => {
    const conn = await reader.connect();
    const result = await (0, session_1.performOnlineLoad)(conn, keys, { purse: identity_1.PURSE.ecash, amount: 25000n, csn: CSN });
    expect(result.newBalance).toBe(25000n);
    expect(card.balance(identity_1.PURSE.ecash)).toBe(25000n);
    expect(card.atcCard).toBe(1);
});
test('an online load after SET_PROTOCOL to 115200 bps', async () => {
    await reader.setBaud(115200);
    const conn = await reader.connect();
    const result = await (0, session_1.performOnlineLoad)(conn, keys, { purse: identity_1.PURSE.food, amount: 1234n });
    expect(result.newBalance).toBe(1234n);
    expect(sim.lineSpeed).toBe(115200);
});
test('a lost CREDIT LOAD reply is fetched with NAK: one credit, and the load completes', async () => {
    const conn = await reader.connect();
    let creditsSeen = 0;
    sim.on('apdu', (apdu) => {
        if (apdu[1] === 0x52)
            creditsSeen += 1;
    });
    sim.on('command', (command) => {
        if (command.ins === 0xa0 && command.data[1] === 0x52)
            sim.inject({ kind: 'drop-reply' });
    });
    const result = await (0, session_1.performOnlineLoad)(conn, keys, { purse: identity_1.PURSE.ecash, amount: 500n });
    expect(result.newBalance).toBe(500n);
    expect(creditsSeen).toBe(1);
    expect(reader.counters.naksSent).toBe(1);
});
test('a card torn away after the credit: card_removed, then the log proves the load on reinsertion', async () => {
    const conn = await reader.connect();
    const removed = new Promise((resolve) => reader.once('card-removed', () => resolve()));
    card.tearAt('after-credit');
    let session;
    const err = await (0, session_1.performOnlineLoad)(conn, keys, {
        purse: identity_1.PURSE.ecash,
        amount: 700n,
        authorize: async (s) => {
            session = s;
        },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(reader_error_1.ReaderError);
    expect(err.code).toBe('card_removed');
    // The reader reports the removal once idle, after its 60 04 reply (§1.6).
    await removed;
    expect(reader.cardPresent).toBe(false);
    const back = new Promise((resolve) => reader.once('card-inserted', () => resolve()));
    sim.insert(card);
    await back;
    const again = await reader.connect();
    const recovery = await (0, session_1.recoverTornLoad)(again, keys, session);
    expect(recovery.outcome).toBe('credited');
});
test('a card torn away before the credit: the log proves it was not credited', async () => {
    const conn = await reader.connect();
    card.tearAt('before-credit');
    let session;
    await (0, session_1.performOnlineLoad)(conn, keys, {
        purse: identity_1.PURSE.ecash,
        amount: 700n,
        authorize: async (s) => {
            session = s;
        },
    }).catch(() => undefined);
    sim.insert(card);
    const again = await reader.connect();
    expect((await (0, session_1.recoverTornLoad)(again, keys, session)).outcome).toBe('not_credited');
    expect(card.balance(identity_1.PURSE.ecash)).toBe(0n);
});
