// The real e-Smart online load (esmart/session) through the ACR30 driver and the ACR30 simulator
// holding the simulated e-Smart card, over a socat pty pair: the happy path at both line speeds,
// a lost CREDIT LOAD reply recovered with NAK, and a card torn away after the credit.
import { openSocatPair, type SocatPair } from '../../test-support/socat-pair';
import { Acr30Reader } from '../acr30/acr30-reader';
import { Acr30Simulator } from '../acr30/acr30-simulator';
import { PURSE, parseCsn } from '../esmart/identity';
import { performOnlineLoad, recoverTornLoad } from '../esmart/session';
import { testKeyStore } from '../keys/master-key-config';
import { ReaderError } from '../reader/reader-error';
import { SimulatedCard } from '../simulator/esmart-card';

const keys = testKeyStore();
const CSN = parseCsn('6071000000000019');

let pair: SocatPair;
let sim: Acr30Simulator;
let reader: Acr30Reader;
let card: SimulatedCard;

beforeEach(async () => {
  card = SimulatedCard.issue(keys, CSN);
  pair = await openSocatPair();
  sim = await Acr30Simulator.open({ path: pair.devicePath, card, announceReset: false });
  reader = await Acr30Reader.open({ path: pair.hostPath, timeouts: { controlMs: 1500, resetMs: 1500, exchangeMs: 1500 } });
});

afterEach(async () => {
  await reader.close();
  await sim.close();
  await pair.close();
});

test('an online load at 9600 bps credits the card and the host verifies MAC3', async () => {
  const conn = await reader.connect();
  const result = await performOnlineLoad(conn, keys, { purse: PURSE.ecash, amount: 25_000n, csn: CSN });
  expect(result.newBalance).toBe(25_000n);
  expect(card.balance(PURSE.ecash)).toBe(25_000n);
  expect(card.atcCard).toBe(1);
});

test('an online load after SET_PROTOCOL to 115200 bps', async () => {
  await reader.setBaud(115200);
  const conn = await reader.connect();
  const result = await performOnlineLoad(conn, keys, { purse: PURSE.food, amount: 1_234n });
  expect(result.newBalance).toBe(1_234n);
  expect(sim.lineSpeed).toBe(115200);
});

test('a lost CREDIT LOAD reply is fetched with NAK: one credit, and the load completes', async () => {
  const conn = await reader.connect();
  let creditsSeen = 0;
  sim.on('apdu', (apdu) => {
    if (apdu[1] === 0x52) creditsSeen += 1;
  });
  sim.on('command', (command) => {
    if (command.ins === 0xa0 && command.data[1] === 0x52) sim.inject({ kind: 'drop-reply' });
  });
  const result = await performOnlineLoad(conn, keys, { purse: PURSE.ecash, amount: 500n });
  expect(result.newBalance).toBe(500n);
  expect(creditsSeen).toBe(1);
  expect(reader.counters.naksSent).toBe(1);
});

test('a card torn away after the credit: card_removed, then the log proves the load on reinsertion', async () => {
  const conn = await reader.connect();
  const removed = new Promise<void>((resolve) => reader.once('card-removed', () => resolve()));
  card.tearAt('after-credit');
  let session: Parameters<typeof recoverTornLoad>[2] | undefined;
  const err = await performOnlineLoad(conn, keys, {
    purse: PURSE.ecash,
    amount: 700n,
    authorize: async (s) => {
      session = s;
    },
  }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ReaderError);
  expect((err as ReaderError).code).toBe('card_removed');
  // The reader reports the removal once idle, after its 60 04 reply (§1.6).
  await removed;
  expect(reader.cardPresent).toBe(false);

  const back = new Promise<void>((resolve) => reader.once('card-inserted', () => resolve()));
  sim.insert(card);
  await back;
  const again = await reader.connect();
  const recovery = await recoverTornLoad(again, keys, session!);
  expect(recovery.outcome).toBe('credited');
});

test('a card torn away before the credit: the log proves it was not credited', async () => {
  const conn = await reader.connect();
  card.tearAt('before-credit');
  let session: Parameters<typeof recoverTornLoad>[2] | undefined;
  await performOnlineLoad(conn, keys, {
    purse: PURSE.ecash,
    amount: 700n,
    authorize: async (s) => {
      session = s;
    },
  }).catch(() => undefined);
  sim.insert(card);
  const again = await reader.connect();
  expect((await recoverTornLoad(again, keys, session!)).outcome).toBe('not_credited');
  expect(card.balance(PURSE.ecash)).toBe(0n);
});
