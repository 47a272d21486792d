// The ACR30 host driver against the ACR30 simulator over a real socat pseudo-terminal pair with
// `serialport`: commands, unsolicited messages, NAK recovery both ways, time-outs and unplugging.
import { SerialPort } from 'serialport';
import { openSocatPair, type SocatPair } from '../../test-support/socat-pair';
import { Acr30Reader } from '../acr30/acr30-reader';
import { Acr30Simulator, type Acr30SimulatorOptions } from '../acr30/acr30-simulator';
import type { CardReader } from '../reader/card-reader';
import { ReaderError } from '../reader/reader-error';
import { COUNT, ECHO, EchoCard, SELECT_ANY } from './echo-card';
import { readerRejection } from './reader-rejection';

const SW_OK = Buffer.from([0x90, 0x00]);
// The simulator runs unpaced unless a test is about speed. Waits are generous (a busy CI box must
// not time out a healthy command); tests about recovery wait less, since a time-out is their point.
const SAFE = { controlMs: 1500, resetMs: 1500, exchangeMs: 1500 };
const QUICK = { controlMs: 1500, resetMs: 1500, exchangeMs: 300 };

let pair: SocatPair;
let sim: Acr30Simulator;
let reader: Acr30Reader | null;

async function setUp(
  simOptions: Partial<Acr30SimulatorOptions> = {},
  card: EchoCard | null = new EchoCard(),
  timeouts = SAFE,
) {
  pair = await openSocatPair();
  sim = await Acr30Simulator.open({ path: pair.devicePath, card, paced: false, announceReset: false, ...simOptions });
  reader = await Acr30Reader.open({ path: pair.hostPath, timeouts });
  return { card, reader };
}

afterEach(async () => {
  await reader?.close();
  reader = null;
  await sim?.close();
  await pair?.close();
});

function next(r: CardReader, event: 'card-inserted' | 'card-removed' | 'reader-reset', timeoutMs = 2000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    r.once(event, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

test('the host sends GET_ACR_STAT as the exact bytes of §1.10 and reads a hand-made reply', async () => {
  pair = await openSocatPair();
  const device = new SerialPort({ path: pair.devicePath, baudRate: 9600 });
  const got: Buffer[] = [];
  // A 16-byte status by hand: firmware name, MAX_C, MAX_R, C_TYPE, C_SEL, C_STAT = 00 (no card).
  const stat = Buffer.concat([Buffer.from('HANDMADE  ', 'latin1'), Buffer.from([255, 255, 0x30, 0x00, 0x00, 0x00])]);
  const body = Buffer.concat([Buffer.from([0x01, 0x90, 0x00, 16]), stat]);
  const message = Buffer.concat([body, Buffer.from([body.reduce((x, b) => x ^ b, 0)])]);
  const reply = Buffer.concat([Buffer.from([0x02]), Buffer.from(message.toString('hex').toUpperCase(), 'latin1'), Buffer.from([0x03])]);
  // Other commands (SET_NOTIFICATION) get "OK, no data" (§1.10): a status would not fit them.
  const okNoData = Buffer.from('\x020190000091\x03', 'latin1');
  let line = '';
  device.on('data', (d: Buffer) => {
    got.push(d);
    line += d.toString('latin1');
    for (let end = line.indexOf('\x03'); end >= 0; end = line.indexOf('\x03')) {
      const frame = line.slice(line.lastIndexOf('\x02', end) + 1, end);
      line = line.slice(end + 1);
      device.write(frame.startsWith('0101') ? reply : okNoData);
    }
  });
  reader = await Acr30Reader.open({ path: pair.hostPath, timeouts: SAFE });
  expect(Buffer.concat(got).subarray(0, 10)).toEqual(Buffer.from('02303130313030303003', 'hex'));
  expect(reader.cardPresent).toBe(false);
  expect((await reader.status()).firmware).toBe('HANDMADE');
  await reader.close();
  reader = null;
  await new Promise<void>((r) => device.close(() => r()));
});

test('GET_ACR_STAT reports the simulated reader, its card types and the card state', async () => {
  const { reader } = await setUp();
  const stat = await reader.status();
  expect(stat.firmware).toBe('ACR30S-SIM');
  expect(stat.cardState).toBe('present');
  expect(reader.cardPresent).toBe(true);
});

test('connect selects T=1 and RESET returns the card ATR; APDUs travel in EXCHANGE_APDU', async () => {
  const { card, reader } = await setUp();
  const conn = await reader.connect();
  expect(conn.atr).toEqual(card!.atr);
  expect(await conn.transmit(SELECT_ANY)).toEqual(SW_OK);
  const payload = Buffer.from('A1B2C3D4E5', 'hex');
  expect(await conn.transmit(ECHO(payload))).toEqual(Buffer.concat([payload, SW_OK]));
  expect((await reader.status()).cardState).toBe('powered');
  await conn.disconnect();
  expect((await reader.status()).cardState).toBe('present');
});

test('connecting to an empty reader fails with no_card', async () => {
  const { reader } = await setUp({}, null);
  const err = await readerRejection(reader.connect());
  expect(err.code).toBe('no_card');
  expect(err.fate).toBe('not_sent');
});

test('an APDU the ACR30 cannot carry (ISO Le 00) is refused before anything is sent', async () => {
  const { reader } = await setUp();
  const conn = await reader.connect();
  const sent = reader.counters.bytesSent;
  const err = await readerRejection(conn.transmit(Buffer.from('00B2010C00', 'hex')));
  expect(err.code).toBe('unsupported_command');
  expect(reader.counters.bytesSent).toBe(sent);
});

test('card inserted and removed messages become events, and removal voids the connection', async () => {
  const { reader } = await setUp({}, null);
  expect(reader.cardPresent).toBe(false);
  const inserted = next(reader, 'card-inserted');
  sim.insert(new EchoCard());
  await inserted;
  const conn = await reader.connect();
  const removed = next(reader, 'card-removed');
  sim.remove();
  await removed;
  expect(reader.cardPresent).toBe(false);
  const err = await readerRejection(conn.transmit(SELECT_ANY));
  expect(err.code).toBe('card_removed');
  expect(err.fate).toBe('not_sent');
});

test('an unsolicited message between a command and its reply is taken as an event, and the reply still arrives', async () => {
  const { reader } = await setUp();
  const conn = await reader.connect();
  const removedEvent = next(reader, 'card-removed');
  sim.inject({ kind: 'unsolicited-before-reply', message: 'card-removed' });
  const reply = conn.transmit(SELECT_ANY);
  await removedEvent;
  // The reply itself is honest data from the card; the event voids later commands, not this one.
  await expect(reply).resolves.toEqual(SW_OK);
});

test('garbage on the line before a reply is skipped', async () => {
  const { reader } = await setUp();
  const conn = await reader.connect();
  await sim.sendRaw(Buffer.from('\x00\xff garbage \x05\x41', 'latin1'));
  expect(await conn.transmit(SELECT_ANY)).toEqual(SW_OK);
  expect(reader.counters.noiseBytes).toBeGreaterThan(0);
});

test('a reply split in two with a pause between is reassembled', async () => {
  const { reader } = await setUp();
  const conn = await reader.connect();
  sim.inject({ kind: 'split-reply', pauseMs: 50 });
  const payload = Buffer.from('0102030405060708090A', 'hex');
  expect(await conn.transmit(ECHO(payload))).toEqual(Buffer.concat([payload, SW_OK]));
});

test('a reply with a wrong checksum is fetched again with NAK; the card runs the command once', async () => {
  const { card, reader } = await setUp();
  const conn = await reader.connect();
  let naks = 0;
  sim.on('host-nak', () => (naks += 1));
  sim.inject({ kind: 'corrupt-reply' });
  expect(await conn.transmit(COUNT)).toEqual(Buffer.from([0x00, 0x01, 0x90, 0x00]));
  expect(naks).toBe(1);
  expect(card!.counter).toBe(1);
});

test('a lost reply to a purse-like command is recovered with NAK, never by sending the command again', async () => {
  const { card, reader } = await setUp({}, new EchoCard(), QUICK);
  const conn = await reader.connect();
  sim.inject({ kind: 'drop-reply' });
  expect(await conn.transmit(COUNT)).toEqual(Buffer.from([0x00, 0x01, 0x90, 0x00]));
  expect(card!.counter).toBe(1);
  expect(card!.seen.filter((a) => a[1] === 0xc5)).toHaveLength(1);
  expect(reader.counters.naksSent).toBe(1);
});

test('a command the reader NAKs as damaged is sent again (the reader discarded it)', async () => {
  const { card, reader } = await setUp();
  const conn = await reader.connect();
  sim.inject({ kind: 'nak-command' });
  expect(await conn.transmit(COUNT)).toEqual(Buffer.from([0x00, 0x01, 0x90, 0x00]));
  expect(card!.counter).toBe(1);
  expect(reader.counters.naksReceived).toBe(1);
});

test('when a NAK brings back the previous reply, the outcome is reported unknown instead of guessed', async () => {
  const { card, reader } = await setUp({}, new EchoCard(), QUICK);
  const conn = await reader.connect();
  await conn.transmit(SELECT_ANY);
  // The card is slow: the host's wait runs out, its NAK makes the reader repeat the SELECT reply.
  sim.inject({ kind: 'delay-reply', ms: 1000 });
  const err = await readerRejection(conn.transmit(COUNT));
  expect(err.code).toBe('outcome_unknown');
  expect(err.fate).toBe('unknown');
  expect(card!.counter).toBe(1);
  expect(card!.seen.filter((a) => a[1] === 0xc5)).toHaveLength(1);
});

test('a reader that hears nothing yields timeout after the NAK retries, with the outcome unknown', async () => {
  const { reader } = await setUp({}, new EchoCard(), QUICK);
  const conn = await reader.connect();
  sim.inject({ kind: 'deaf', ms: 2000 });
  const err = await readerRejection(conn.transmit(COUNT));
  expect(err.code).toBe('timeout');
  expect(err.fate).toBe('unknown');
  expect(reader.counters.naksSent).toBe(3);
});

test('control commands that time out are simply sent again', async () => {
  const { reader } = await setUp({}, new EchoCard(), { ...QUICK, controlMs: 300 });
  sim.inject({ kind: 'deaf', ms: 200 });
  const stat = await reader.status();
  expect(stat.cardState).toBe('present');
  expect(reader.counters.naksSent).toBe(0);
});

test('pulling the card during a command gives card_removed (reader status 60 04)', async () => {
  const { card, reader } = await sim_with_slow_card();
  const conn = await reader.connect();
  const pending = conn.transmit(COUNT);
  setTimeout(() => sim.remove(), 30);
  const err = await readerRejection(pending);
  expect(err.code).toBe('card_removed');
  expect(err.status).toBe('6004');
  expect(card.counter).toBe(0);
});

async function sim_with_slow_card(): Promise<{ card: EchoCard; reader: Acr30Reader }> {
  const card = new EchoCard();
  pair = await openSocatPair();
  sim = await Acr30Simulator.open({ path: pair.devicePath, card, paced: false, announceReset: false, cardProcessingMs: 150 });
  reader = await Acr30Reader.open({ path: pair.hostPath, timeouts: SAFE });
  return { card, reader };
}

test('a reader reset during a command fails it with reader_reset and raises reader-reset', async () => {
  const { reader } = await sim_with_slow_card();
  const conn = await reader.connect();
  const resetEvent = next(reader, 'reader-reset');
  const pending = conn.transmit(COUNT);
  setTimeout(() => sim.powerCycle(), 30);
  const err = await readerRejection(pending);
  expect(err.code).toBe('reader_reset');
  await resetEvent;
  expect(conn.open).toBe(false);
});

test('unplugging the reader mid-command yields reader_vanished and the reader-vanished event', async () => {
  const { reader } = await sim_with_slow_card();
  const conn = await reader.connect();
  const vanished = new Promise<ReaderError>((resolve) => reader.once('reader-vanished', resolve));
  const pending = conn.transmit(COUNT);
  setTimeout(() => void pair.unplug(), 30);
  const err = await readerRejection(pending);
  expect(err.code).toBe('reader_vanished');
  expect((await vanished).code).toBe('reader_vanished');
  const after = await readerRejection(reader.connect());
  expect(after.code).toBe('reader_vanished');
});

test('SET_PROTOCOL moves both ends to 115200 and the link keeps working', async () => {
  const { reader } = await setUp({ paced: true });
  await reader.setBaud(115200);
  expect(reader.baudRate).toBe(115200);
  expect(sim.lineSpeed).toBe(115200);
  const conn = await reader.connect();
  expect(await conn.transmit(SELECT_ANY)).toEqual(SW_OK);
});

test('a paced line at 9600 bps takes at least the wire time of the bytes it carried', async () => {
  const { reader } = await setUp({ paced: true });
  const conn = await reader.connect();
  const payload = Buffer.alloc(100, 0x5a);
  const sent = reader.counters.bytesSent;
  const received = reader.counters.bytesReceived;
  const started = performance.now();
  await conn.transmit(ECHO(payload));
  const elapsed = performance.now() - started;
  const bytes = reader.counters.bytesSent - sent + reader.counters.bytesReceived - received;
  expect(elapsed).toBeGreaterThanOrEqual((bytes * 10 * 1000) / 9600 - 1);
});

test('opening a port where no reader answers fails with reader_unavailable', async () => {
  pair = await openSocatPair();
  const err = await readerRejection(Acr30Reader.open({ path: pair.hostPath, timeouts: { controlMs: 100 }, retries: 1 }));
  expect(err.code).toBe('reader_unavailable');
});

test('opening a serial port that does not exist fails with reader_unavailable', async () => {
  const err = await readerRejection(Acr30Reader.open({ path: '/nonexistent/ttyACR30' }));
  expect(err.code).toBe('reader_unavailable');
});
