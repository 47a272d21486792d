// A reply is only ever handed to the command it answers (acr30-serial.md §1.5, §1.9, §1.11): after
// the host gave up waiting for a reply, that late reply must not be taken for a later command's. The
// ACR30 driver against the ACR30 simulator over a real socat pseudo-terminal pair with `serialport`.
import { openSocatPair, type SocatPair } from '../../test-support/socat-pair';
import { INS } from '../acr30/acr30-commands';
import { encodeResponse } from '../acr30/acr30-frame';
import { toWire } from '../acr30/acr30-line';
import type { LineWarning } from '../acr30/acr30-link';
import { Acr30Reader, type Acr30Timeouts } from '../acr30/acr30-reader';
import { Acr30Simulator } from '../acr30/acr30-simulator';
import { COUNT, ECHO, EchoCard, SELECT_ANY } from './echo-card';
import { readerRejection } from './reader-rejection';

const SW_OK = Buffer.from([0x90, 0x00]);
// Replies to EXCHANGE_APDU are awaited 400 ms, so a reply held back 1200 ms arrives after the host
// gave up on it (two waits with retries: 1), while the resync still waits for it (2 × 400 ms).
const QUICK: Acr30Timeouts = { controlMs: 1500, resetMs: 1500, exchangeMs: 400 };
const LATE_MS = 1200;

let pair: SocatPair | null = null;
let sim: Acr30Simulator | null = null;
let reader: Acr30Reader | null = null;

async function setUp(options: { retries?: number; timeouts?: Acr30Timeouts; cardProcessingMs?: number; paced?: boolean } = {}) {
  const card = new EchoCard();
  pair = await openSocatPair();
  sim = await Acr30Simulator.open({
    path: pair.devicePath,
    card,
    paced: options.paced ?? false,
    announceReset: false,
    cardProcessingMs: options.cardProcessingMs ?? 0,
  });
  reader = await Acr30Reader.open({ path: pair.hostPath, timeouts: options.timeouts ?? QUICK, retries: options.retries });
  const warnings: LineWarning[] = [];
  reader.onLineWarning((w) => warnings.push(w));
  return { card, sim, reader, warnings };
}

afterEach(async () => {
  await reader?.close();
  reader = null;
  await sim?.close();
  sim = null;
  await pair?.close();
  pair = null;
});

/** Waits until `check` holds (generous: a loaded CI machine). */
async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const countReply = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff, 0x90, 0x00]);

test('a late reply to an APDU that timed out is dropped, and the next APDU gets its own reply', async () => {
  const { card, sim, reader, warnings } = await setUp({ retries: 1 });
  const conn = await reader.connect();
  // The reader is too busy to answer NAKs: the host times out, then the reply comes after all.
  sim.inject({ kind: 'delay-reply', ms: LATE_MS, ignoreNaks: true });
  const lost = await readerRejection(conn.transmit(COUNT));
  expect(lost.code).toBe('timeout');
  expect(lost.fate).toBe('unknown');
  const payload = Buffer.from('C0FFEE', 'hex');
  expect(await conn.transmit(ECHO(payload))).toEqual(Buffer.concat([payload, SW_OK]));
  // The late COUNT reply was read and dropped while resynchronising, and COUNT ran once.
  expect(warnings).toEqual([
    expect.objectContaining({ code: 'reply_discarded', reason: 'before_resync', awaitingIns: INS.GET_ACR_STAT, status: '9000', length: 4 }),
  ]);
  expect(card.counter).toBe(1);
  expect(card.seen.filter((a) => a[1] === 0xc5)).toHaveLength(1);
});

test('when a NAK brings back the previous reply, the real late reply is not taken for the next APDU', async () => {
  const { card, sim, reader, warnings } = await setUp();
  const conn = await reader.connect();
  await conn.transmit(SELECT_ANY);
  sim.inject({ kind: 'delay-reply', ms: LATE_MS });
  const lost = await readerRejection(conn.transmit(COUNT));
  expect(lost.code).toBe('outcome_unknown');
  // The same shape of command as the lost one, so only resynchronising can tell the replies apart.
  expect(await conn.transmit(COUNT)).toEqual(countReply(2));
  expect(warnings.map((w) => w.reason)).toContain('before_resync');
  expect(card.counter).toBe(2);
});

test('a control command sent again after a time-out leaves no second reply for the next command', async () => {
  // Paced at 9600 bps, the second reply is still on the wire when the next command goes out.
  const { card, sim, reader } = await setUp({ timeouts: { ...QUICK, controlMs: 300 }, paced: true });
  // GET_ACR_STAT is answered after 500 ms, so the host sends it again at 300 ms: two replies come.
  sim.inject({ kind: 'delay-reply', ms: 500 });
  expect((await reader.status()).cardState).toBe('present');
  // SELECT_CARD_TYPE, then RESET: each must get its own reply, and RESET the card's ATR.
  const conn = await reader.connect();
  expect(conn.atr).toEqual(card.atr);
  expect(await conn.transmit(SELECT_ANY)).toEqual(SW_OK);
});

test('a lost reply is still fetched with NAK (the command runs once), and the command after it gets its own reply', async () => {
  const { card, sim, reader } = await setUp();
  const conn = await reader.connect();
  sim.inject({ kind: 'drop-reply' });
  expect(await conn.transmit(COUNT)).toEqual(countReply(1));
  expect(reader.counters.naksSent).toBe(1);
  expect(card.counter).toBe(1);
  const payload = Buffer.from('0102', 'hex');
  expect(await conn.transmit(ECHO(payload))).toEqual(Buffer.concat([payload, SW_OK]));
  expect(card.seen.filter((a) => a[1] === 0xc5)).toHaveLength(1);
});

test('a reply that cannot answer the command in flight is dropped with a warning; the command still gets its own reply', async () => {
  const { card, sim, reader, warnings } = await setUp({ timeouts: { ...QUICK, exchangeMs: 1500 }, cardProcessingMs: 150 });
  const conn = await reader.connect();
  // While the card works on COUNT (Le 2), a reader status (16 data bytes) arrives: it cannot be COUNT's.
  const stray = toWire(encodeResponse({ sw1: 0x90, sw2: 0x00, data: Buffer.concat([Buffer.from('STALE-STAT'), Buffer.from([0xff, 0xff, 0x30, 0x00, 0x0d, 0x03])]) }));
  sim.on('command', (c) => {
    if (c.ins === INS.EXCHANGE_APDU) void sim?.sendRaw(stray);
  });
  expect(await conn.transmit(COUNT)).toEqual(countReply(1));
  expect(warnings).toEqual([
    expect.objectContaining({ reason: 'does_not_fit', awaitingIns: INS.EXCHANGE_APDU, status: '9000', length: 16 }),
  ]);
  expect(card.counter).toBe(1);
});

test('a reply that comes when no command is outstanding is dropped with a warning, and the next command is unaffected', async () => {
  const { sim, reader, warnings } = await setUp();
  await sim.sendRaw(toWire(encodeResponse({ sw1: 0x90, sw2: 0x00, data: Buffer.alloc(0) })));
  await until('the stray reply to be dropped', () => warnings.length > 0);
  const stat = await reader.status();
  expect(stat.firmware).toBe('ACR30S-SIM');
  expect(warnings).toEqual([expect.objectContaining({ reason: 'nothing_in_flight', awaitingIns: null, length: 0 })]);
});

test('the dropped-reply warning names status and length but never the reply data', async () => {
  const { sim, reader, warnings } = await setUp();
  await sim.sendRaw(toWire(encodeResponse({ sw1: 0x90, sw2: 0x00, data: Buffer.from('DEADBEEFCAFE', 'hex') })));
  await until('the stray reply to be dropped', () => warnings.length > 0);
  await reader.status();
  expect(warnings).toHaveLength(1);
  expect(JSON.stringify(warnings[0]).toUpperCase()).not.toContain('DEADBEEF');
});
