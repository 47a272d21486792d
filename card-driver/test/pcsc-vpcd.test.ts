// The PC/SC transport against the real pcscd with the vsmartcard-vpcd driver: a virtual card is
// plugged into vpcd's slot 1 over TCP and read back through pcsclite.
import type { CardReader } from '../reader/card-reader';
import { waitForCard } from '../reader/card-reader';
import { PcscService, type PcscCardReader } from '../reader/pcsc-reader';
import { VpcdCardConnector } from '../vpcd/vpcd-card-connector';
import { PURSE, parseCsn } from '../esmart/identity';
import { performOnlineLoad, recoverTornLoad } from '../esmart/session';
import { testKeyStore } from '../keys/master-key-config';
import { SimulatedCard } from '../simulator/esmart-card';
import { COUNT, ECHO, EchoCard, SELECT_ANY } from './echo-card';
import { readerRejection } from './reader-rejection';

// Slot 1 (base port + 1): slot 0 is left to the reader agent's and workflows' tests.
const SLOT = 1;
const VPCD_PORT = Number(process.env.PURSEFLOW_VPCD_PORT ?? 35963) + SLOT;
const READER_NAME = `Virtual PCD 00 0${SLOT}`;

function nextEvent(reader: CardReader, event: 'card-inserted' | 'card-removed', timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    reader.once(event, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

let service: PcscService;
let reader: PcscCardReader;

beforeAll(async () => {
  service = PcscService.open({ commandTimeoutMs: 3000 });
  reader = await service.reader(READER_NAME, 5000);
  // A virtual card left behind by an interrupted run is dropped by vpcd at its next poll.
  if (reader.cardPresent) await nextEvent(reader, 'card-removed');
});

afterAll(async () => {
  await service.close();
});

async function insert<C extends EchoCard | SimulatedCard = EchoCard>(
  card: C = new EchoCard() as C,
): Promise<{ card: C; connector: VpcdCardConnector }> {
  const connector = new VpcdCardConnector({ card, port: VPCD_PORT });
  const inserted = nextEvent(reader, 'card-inserted');
  await connector.insert();
  await inserted;
  return { card, connector };
}

async function remove(connector: VpcdCardConnector): Promise<void> {
  if (!reader.cardPresent) return connector.remove();
  const removed = nextEvent(reader, 'card-removed');
  await connector.remove();
  await removed;
}

test('pcsclite lists both vpcd slots as PC/SC readers', async () => {
  const names = await service.listReaders();
  expect(names).toEqual(expect.arrayContaining(['Virtual PCD 00 00', 'Virtual PCD 00 01']));
});

test('connecting to an empty reader fails with no_card and sends nothing', async () => {
  expect(reader.cardPresent).toBe(false);
  const err = await readerRejection(reader.connect());
  expect(err.code).toBe('no_card');
  expect(err.fate).toBe('not_sent');
});

test('inserting a virtual card raises card-inserted, and connect returns its ATR', async () => {
  const { card, connector } = await insert();
  try {
    expect(reader.cardPresent).toBe(true);
    const connection = await reader.connect();
    expect(connection.atr).toEqual(card.atr);
    await connection.disconnect();
  } finally {
    await remove(connector);
  }
});

test('APDUs reach the card unchanged and its responses come back whole', async () => {
  const { card, connector } = await insert();
  try {
    const connection = await reader.connect();
    expect(await connection.transmit(SELECT_ANY)).toEqual(Buffer.from([0x90, 0x00]));
    const payload = Buffer.from('00112233445566778899AABBCCDDEEFF', 'hex');
    expect(await connection.transmit(ECHO(payload))).toEqual(Buffer.concat([payload, Buffer.from([0x90, 0x00])]));
    expect(card.seen[card.seen.length - 1]).toEqual(ECHO(payload));
    await connection.disconnect();
  } finally {
    await remove(connector);
  }
});

test('removing the card raises card-removed and the open connection refuses further commands', async () => {
  const { connector } = await insert();
  const connection = await reader.connect();
  await remove(connector);
  expect(reader.cardPresent).toBe(false);
  expect(connection.open).toBe(false);
  const err = await readerRejection(connection.transmit(SELECT_ANY));
  expect(err.code).toBe('card_removed');
  expect(err.fate).toBe('not_sent');
  await connection.disconnect();
});

test('a card torn away after executing a command yields card_removed with an unknown outcome', async () => {
  const { card, connector } = await insert();
  const connection = await reader.connect();
  connector.tearOn({ stage: 'after-processing', when: (apdu) => apdu[1] === 0xc5 });
  const err = await readerRejection(connection.transmit(COUNT));
  expect(err.code).toBe('card_removed');
  expect(err.fate).toBe('unknown');
  expect(card.counter).toBe(1);
  expect(connector.inserted).toBe(false);
  await connection.disconnect();
  if (reader.cardPresent) await nextEvent(reader, 'card-removed');
});

test('a card torn away before a command arrives yields card_removed and the card never ran it', async () => {
  const { card, connector } = await insert();
  const connection = await reader.connect();
  connector.tearOn({ stage: 'before-processing', when: (apdu) => apdu[1] === 0xc5 });
  const err = await readerRejection(connection.transmit(COUNT));
  expect(err.code).toBe('card_removed');
  expect(card.counter).toBe(0);
  await connection.disconnect();
  if (reader.cardPresent) await nextEvent(reader, 'card-removed');
});

test('waitForCard resolves when a card is presented later', async () => {
  const card = new EchoCard();
  const connector = new VpcdCardConnector({ card, port: VPCD_PORT });
  const waiting = waitForCard(reader, 5000);
  await connector.insert();
  await waiting;
  expect(reader.cardPresent).toBe(true);
  await remove(connector);
});

test('waitForCard gives up with no_card when nobody presents a card', async () => {
  const err = await readerRejection(waitForCard(reader, 200));
  expect(err.code).toBe('no_card');
});

test('a reader name pcscd does not know is refused with reader_unavailable', async () => {
  const err = await readerRejection(service.reader('No Such Reader 00 00', 300));
  expect(err.code).toBe('reader_unavailable');
  expect(err.message).toContain('Virtual PCD 00 00');
});

test('inserting into a vpcd port nobody listens on fails with reader_unavailable', async () => {
  const connector = new VpcdCardConnector({ card: new EchoCard(), port: 9 });
  const err = await readerRejection(connector.insert());
  expect(err.code).toBe('reader_unavailable');
});

describe('the e-Smart load through pcscd and vpcd', () => {
  const keys = testKeyStore();
  const CSN = parseCsn('6071000000000019');

  test('an online load credits the simulated e-Smart card and MAC3 verifies', async () => {
    const { card, connector } = await insert(SimulatedCard.issue(keys, CSN));
    try {
      const connection = await reader.connect();
      expect(connection.atr).toEqual(card.atr);
      const result = await performOnlineLoad(connection, keys, { purse: PURSE.ecash, amount: 10_000n, csn: CSN });
      expect(result.newBalance).toBe(10_000n);
      expect(card.balance(PURSE.ecash)).toBe(10_000n);
      await connection.disconnect();
    } finally {
      await remove(connector);
    }
  });

  test('a card torn away after CREDIT LOAD: card_removed, and on reinsertion the log proves the credit', async () => {
    const { card, connector } = await insert(SimulatedCard.issue(keys, CSN));
    const connection = await reader.connect();
    card.tearAt('after-credit');
    let session: Parameters<typeof recoverTornLoad>[2] | undefined;
    const err = await readerRejection(
      performOnlineLoad(connection, keys, {
        purse: PURSE.food,
        amount: 300n,
        authorize: async (s) => {
          session = s;
        },
      }),
    );
    expect(err.code).toBe('card_removed');
    expect(err.fate).toBe('unknown');
    await connection.disconnect();
    if (reader.cardPresent) await nextEvent(reader, 'card-removed');

    expect(connector.inserted).toBe(false);
    const back = await insert(card);
    try {
      const again = await reader.connect();
      const recovery = await recoverTornLoad(again, keys, session!);
      expect(recovery.outcome).toBe('credited');
      await again.disconnect();
    } finally {
      await remove(back.connector);
    }
  });
});
