// The simulated card answers every status word of spec §5 where the spec says it must.
import {
  CardTornError,
  creditLoadCommand,
  csnWithCheckDigit,
  debitCommand,
  getBalanceCommand,
  initializeLoadCommand,
  keyStoreFromEnvironment,
  parseSamId,
  PURSE,
  readLogCommand,
  selectCommand,
  SimulatedCard,
  testKeyStore,
  type CardState,
  type VirtualCard,
} from '../index';
import { hex, toHex } from './spec-vectors';

const keys = testKeyStore();
const csn = csnWithCheckDigit('607100000000123');
const samId = parseSamId('53414D0000000007');
const zero = Buffer.alloc(8);
let counter = 0;
const random = (n: number): Buffer => Buffer.alloc(n, ++counter);

const sw = (response: Buffer): string => toHex(response.subarray(response.length - 2));

function selectedCard(options: { maxBalance?: bigint } = {}): SimulatedCard {
  const card = SimulatedCard.issue(keys, csn, { random, ...options });
  expect(sw(card.process(selectCommand()))).toBe('9000');
  return card;
}

/** Runs an online load on the card by its commands, the host part done with the key store. */
function load(card: SimulatedCard, purse: 1 | 2, amount: bigint): void {
  const rh = hex('0102030405060708');
  const init = card.process(initializeLoadCommand({ mode: 'online', purse, amount, rh }));
  expect(sw(init)).toBe('9000');
  const atc = init.readUInt16BE(0);
  const rc = init.subarray(6, 14);
  const mac2 = keys.mac2({ csn, atc, purse, amount, rh, rc });
  expect(sw(card.process(creditLoadCommand({ mode: 'online', purse, amount, auth: mac2 })))).toBe('9000');
}

describe('selection and routing', () => {
  test('every purse command before SELECT is 6985', () => {
    const card = SimulatedCard.issue(keys, csn);
    expect(sw(card.process(getBalanceCommand(PURSE.ecash)))).toBe('6985');
    expect(sw(card.process(readLogCommand(1)))).toBe('6985');
  });

  test('SELECT of another AID is 6A82 and deselects', () => {
    const card = selectedCard();
    expect(sw(card.process(hex('00A4040008F045534D415254020F')))).toBe('6A82');
    expect(sw(card.process(getBalanceCommand(PURSE.ecash)))).toBe('6985');
  });

  test('an unknown class is 6E00', () => {
    expect(sw(selectedCard().process(hex('A05C000104')))).toBe('6E00');
  });

  test('an unknown instruction is 6D00', () => {
    expect(sw(selectedCard().process(hex('80CA000004')))).toBe('6D00');
    expect(sw(selectedCard().process(hex('00B2010000')))).toBe('6D00');
  });

  test('a malformed APDU is 6700', () => {
    expect(sw(selectedCard().process(hex('8050')))).toBe('6700');
    expect(sw(selectedCard().process(hex('805000010C00')))).toBe('6700');
  });

  test('a wrong Le is 6700; Le 00 is accepted', () => {
    const card = selectedCard();
    expect(sw(card.process(hex('805C000105')))).toBe('6700');
    expect(toHex(card.process(hex('805C000100')))).toBe('000000009000');
  });

  test('an unknown purse is 6A86', () => {
    expect(sw(selectedCard().process(hex('805C000304')))).toBe('6A86');
  });

  test('a reset loses the selection', () => {
    const card = selectedCard();
    card.reset();
    expect(sw(card.process(getBalanceCommand(PURSE.ecash)))).toBe('6985');
  });
});

describe('INITIALIZE LOAD and CREDIT LOAD', () => {
  test('amount 0 is 6A80', () => {
    const card = selectedCard();
    const apdu = hex('805000010C00000000' + '1122334455667788' + '12');
    expect(sw(card.process(apdu))).toBe('6A80');
  });

  test('offline INITIALIZE with a non-zero RH is 6A80', () => {
    const card = selectedCard();
    expect(sw(card.process(initializeLoadCommand({ mode: 'offline', purse: PURSE.food, amount: 5n, rh: hex('0000000000000001') })))).toBe('6A80');
  });

  test('P1 other than 00/01 is 6A86', () => {
    expect(sw(selectedCard().process(hex('805002010C000000011122334455667788' + '12')))).toBe('6A86');
  });

  test('a load past MAXBAL is 9402, exactly MAXBAL is allowed', () => {
    const card = selectedCard({ maxBalance: 1000n });
    expect(sw(card.process(initializeLoadCommand({ mode: 'online', purse: PURSE.ecash, amount: 1001n, rh: zero })))).toBe('9402');
    load(card, PURSE.ecash, 1000n);
    expect(card.balance(PURSE.ecash)).toBe(1000n);
    expect(sw(card.process(initializeLoadCommand({ mode: 'online', purse: PURSE.ecash, amount: 1n, rh: zero })))).toBe('9402');
  });

  test('CREDIT LOAD with no pending load is 6985', () => {
    expect(sw(selectedCard().process(creditLoadCommand({ mode: 'online', purse: PURSE.ecash, amount: 5n, auth: Buffer.alloc(4) })))).toBe('6985');
  });

  test('CREDIT LOAD for another purse or amount is 6985', () => {
    const card = selectedCard();
    card.process(initializeLoadCommand({ mode: 'online', purse: PURSE.ecash, amount: 500n, rh: zero }));
    expect(sw(card.process(creditLoadCommand({ mode: 'online', purse: PURSE.food, amount: 500n, auth: Buffer.alloc(4) })))).toBe('6985');
    expect(sw(card.process(creditLoadCommand({ mode: 'online', purse: PURSE.ecash, amount: 501n, auth: Buffer.alloc(4) })))).toBe('6985');
  });

  test('a wrong MAC2 online is 6982 and clears the pending load', () => {
    const card = selectedCard();
    card.process(initializeLoadCommand({ mode: 'online', purse: PURSE.ecash, amount: 500n, rh: zero }));
    expect(sw(card.process(creditLoadCommand({ mode: 'online', purse: PURSE.ecash, amount: 500n, auth: Buffer.alloc(4) })))).toBe('6982');
    expect(card.hasPendingLoad).toBe(false);
    expect(card.atcCard).toBe(0);
  });

  test('offline, the third wrong code clears the pending load; the first two do not', () => {
    const card = selectedCard();
    card.process(initializeLoadCommand({ mode: 'offline', purse: PURSE.food, amount: 500n, rh: zero }));
    const wrong = creditLoadCommand({ mode: 'offline', purse: PURSE.food, amount: 500n, auth: Buffer.alloc(4) });
    expect(sw(card.process(wrong))).toBe('6982');
    expect(sw(card.process(wrong))).toBe('6982');
    expect(card.hasPendingLoad).toBe(true);
    expect(sw(card.process(wrong))).toBe('6982');
    expect(card.hasPendingLoad).toBe(false);
    expect(sw(card.process(wrong))).toBe('6985');
  });

  test('a successful credit moves ATC_card, the balance and the log', () => {
    const card = selectedCard();
    load(card, PURSE.food, 700n);
    expect(card.atcCard).toBe(1);
    expect(card.balance(PURSE.food)).toBe(700n);
    expect(card.log[0]).toMatchObject({ type: 'load', purse: PURSE.food, atc: 1, amount: 700n, balanceAfter: 700n, seq: 0 });
  });

  test('the pending load lives in RAM: a reset loses it', () => {
    const card = selectedCard();
    card.process(initializeLoadCommand({ mode: 'online', purse: PURSE.ecash, amount: 5n, rh: zero }));
    card.reset();
    card.process(selectCommand());
    expect(sw(card.process(creditLoadCommand({ mode: 'online', purse: PURSE.ecash, amount: 5n, auth: Buffer.alloc(4) })))).toBe('6985');
  });
});

describe('DEBIT', () => {
  test('a balance below the amount is 9401', () => {
    expect(sw(selectedCard().process(debitCommand({ purse: PURSE.ecash, amount: 1n, samId, samSeq: 1 })))).toBe('9401');
  });

  test('amount 0 is 6A80', () => {
    const apdu = hex('8056000110' + '00000000' + '53414D0000000007' + '00000001' + '08');
    expect(sw(selectedCard().process(apdu))).toBe('6A80');
  });

  test('a purchase subtracts, moves ATC_card and logs the SAM id and sequence', () => {
    const card = selectedCard();
    load(card, PURSE.ecash, 1000n);
    const r = card.process(debitCommand({ purse: PURSE.ecash, amount: 250n, samId, samSeq: 42 }));
    expect(sw(r)).toBe('9000');
    expect(r.readUInt32BE(0)).toBe(750);
    expect(card.log[0]).toMatchObject({ type: 'purchase', atc: 2, amount: 250n, balanceAfter: 750n, seq: 42 });
    expect(toHex(card.log[0].counterparty)).toBe(samId);
  });

  test('a purchase voids a pending load (its ATC is used)', () => {
    const card = selectedCard();
    load(card, PURSE.ecash, 1000n);
    card.process(initializeLoadCommand({ mode: 'online', purse: PURSE.ecash, amount: 5n, rh: zero }));
    card.process(debitCommand({ purse: PURSE.ecash, amount: 1n, samId, samSeq: 1 }));
    expect(card.hasPendingLoad).toBe(false);
  });
});

describe('ATC exhaustion', () => {
  test('with ATC_card = FFFF, loads and purchases are 6985', () => {
    const state: CardState = { ...SimulatedCard.issue(keys, csn).snapshot(), atcCard: 0xffff, balances: { ecash: '100', food: '0' } };
    const card = SimulatedCard.restore(state, keys);
    card.process(selectCommand());
    expect(sw(card.process(initializeLoadCommand({ mode: 'online', purse: PURSE.ecash, amount: 1n, rh: zero })))).toBe('6985');
    expect(sw(card.process(debitCommand({ purse: PURSE.ecash, amount: 1n, samId, samSeq: 1 })))).toBe('6985');
  });
});

describe('READ LOG', () => {
  test('record 1 of an empty log is 6A83', () => {
    expect(sw(selectedCard().process(readLogCommand(1)))).toBe('6A83');
  });

  test('NN past the records is 6A83, NN 0 is 6A86', () => {
    const card = selectedCard();
    load(card, PURSE.ecash, 10n);
    expect(sw(card.process(readLogCommand(1)))).toBe('9000');
    expect(sw(card.process(readLogCommand(2)))).toBe('6A83');
    expect(sw(card.process(readLogCommand(11)))).toBe('6A83');
    expect(sw(card.process(hex('80B200001C')))).toBe('6A86');
  });

  test('the log keeps the newest 10 records', () => {
    const card = selectedCard();
    for (let i = 1; i <= 12; i++) load(card, PURSE.ecash, BigInt(i));
    expect(card.log).toHaveLength(10);
    expect(card.log[0].atc).toBe(12);
    expect(card.log[9].atc).toBe(3);
  });
});

describe('state and tearing', () => {
  test('a snapshot survives JSON and restores the same card (keys from the key store, not the file)', () => {
    const card = selectedCard();
    load(card, PURSE.ecash, 1234n);
    const json = JSON.stringify(card.snapshot({ withRam: true }));
    expect(json).not.toMatch(/KL|KP|key/i);
    const again = SimulatedCard.restore(JSON.parse(json) as CardState, keyStoreFromEnvironment({}));
    expect(again.snapshot({ withRam: true })).toEqual(card.snapshot({ withRam: true }));
    expect(sw(again.process(getBalanceCommand(PURSE.ecash)))).toBe('9000');
  });

  test('a torn card throws CardTornError and stays absent until inserted', () => {
    const card = selectedCard();
    card.tearAt('before-initialize');
    expect(() => card.process(initializeLoadCommand({ mode: 'online', purse: PURSE.ecash, amount: 5n, rh: zero }))).toThrow(CardTornError);
    expect(() => card.process(selectCommand())).toThrow(expect.objectContaining({ code: 'card_absent' }));
    card.insert();
    expect(sw(card.process(selectCommand()))).toBe('9000');
  });

  test('a restored state with a foreign format is refused', () => {
    expect(() => SimulatedCard.restore({ format: 'x' } as unknown as CardState, keys)).toThrow(expect.objectContaining({ code: 'invalid_field' }));
  });
});

test('the simulated card is a VirtualCard the vpcd connector and the ACR30 simulator can hold', () => {
  const card: VirtualCard = SimulatedCard.issue(keys, csn);
  expect(card.atr).toEqual(hex('3B88800145534D415254303114'));
});
