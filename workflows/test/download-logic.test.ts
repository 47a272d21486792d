// The pure parts of downloads, each also exercised end to end by the Temporal tests: the shape
// check of the offline codes (what the update validators run), the log judgement of a torn load,
// name-based ids, money at the edge and the client's request checks.
import { formatConfirmationCode, formatRequestCode, testKeyStore, computeMac3, csnWithCheckDigit, type LoadCredit, type LogRecord } from '../../card-driver';
import { codeShapeProblem } from '../download/code-format';
import { judgeLog } from '../activities/load-proof';
import { accountIdFor, nameBasedId, transferIdFor } from '../registry/name-based-id';
import { formatMoney, parseMoney } from '../registry/money';
import { DownloadClientError, toInput } from '../client';

const keys = testKeyStore();
const csn = csnWithCheckDigit('607100000000004');
const load: LoadCredit = { csn, atc: 3, purse: 1, amount: 2500n };

function loadRecord(atc: number, amount = 2500n, mac?: Buffer): LogRecord {
  const credit = { ...load, atc, amount };
  return { type: 'load', purse: 1, atc, amount, balanceAfter: amount, counterparty: Buffer.alloc(8), seq: 0, mac: mac ?? computeMac3(keys.cardKeys(csn).load, credit) };
}

function purchase(atc: number): LogRecord {
  return { type: 'purchase', purse: 1, atc, amount: 100n, balanceAfter: 0n, counterparty: Buffer.alloc(8, 1), seq: 7, mac: Buffer.alloc(4) };
}

describe('offline code shapes (update validators)', () => {
  const request = formatRequestCode(42, Buffer.from('01020304', 'hex'));
  const confirmation = formatConfirmationCode(Buffer.from('0A0B0C0D', 'hex'));

  test('a genuine-looking request and confirmation code pass, spaces and dashes allowed', () => {
    expect(codeShapeProblem(request, 14, 'request code')).toBeUndefined();
    expect(codeShapeProblem(`${confirmation.slice(0, 3)} ${confirmation.slice(3, 6)}-${confirmation.slice(6)}`, 9, 'confirmation code')).toBeUndefined();
  });

  test('a wrong Luhn digit is a check_digit refusal', () => {
    const typo = request.slice(0, -1) + String((Number(request.slice(-1)) + 1) % 10);
    expect(codeShapeProblem(typo, 14, 'request code')?.refusal).toBe('check_digit');
  });

  test.each([[''], ['123'], ['1234567890123a'], ['123456789012345'], [undefined], [12345678901234]])('%j is a format refusal', (code) => {
    expect(codeShapeProblem(code, 14, 'request code')?.refusal).toBe('format');
  });

  test('a request code whose counter cannot exist on a card is a format refusal', () => {
    const body = '99999' + '12345678';
    let sum = 0;
    const digits = body + '0';
    for (let i = 0; i < digits.length; i++) {
      let v = Number(digits[digits.length - 1 - i]);
      if (i % 2 === 1) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
      sum += v;
    }
    expect(codeShapeProblem(body + String((10 - (sum % 10)) % 10), 14, 'request code')?.refusal).toBe('format');
  });
});

describe('what a card log proves about a torn load (spec 4.1)', () => {
  test('a load record with this ATC, purse, amount and MAC3 proves the credit', () => {
    expect(judgeLog(keys, load, [loadRecord(3)])).toMatchObject({ outcome: 'credited', atcCard: 3, balanceAfterMinor: '2500' });
  });

  test('the record is found below later transactions', () => {
    expect(judgeLog(keys, load, [purchase(5), purchase(4), loadRecord(3)])).toMatchObject({ outcome: 'credited', atcCard: 5 });
  });

  test('a newest record older than the ATC proves no credit', () => {
    expect(judgeLog(keys, load, [loadRecord(2)])).toEqual({ outcome: 'not_credited', atcCard: 2 });
  });

  test('an empty log proves no credit', () => {
    expect(judgeLog(keys, load, [])).toEqual({ outcome: 'not_credited', atcCard: 0 });
  });

  test('a record with a wrong MAC proves nothing', () => {
    expect(judgeLog(keys, load, [loadRecord(3, 2500n, Buffer.from('00000000', 'hex'))])).toMatchObject({ outcome: 'undetermined', reason: 'record_mismatch' });
  });

  test('a purchase at the ATC of the load proves nothing (the load never used it)', () => {
    expect(judgeLog(keys, load, [purchase(3)])).toMatchObject({ outcome: 'undetermined', reason: 'record_mismatch' });
  });

  test('a record that rolled out of the 10-record log leaves it to an operator', () => {
    const log = Array.from({ length: 10 }, (_, i) => purchase(20 - i));
    expect(judgeLog(keys, load, log)).toMatchObject({ outcome: 'undetermined', reason: 'rolled_out_of_log', atcCard: 20 });
  });
});

describe('name-based ids', () => {
  test('the same name gives the same UUIDv5, another name another one', () => {
    expect(nameBasedId('a')).toBe(nameBasedId('a'));
    expect(nameBasedId('a')).not.toBe(nameBasedId('b'));
    expect(nameBasedId('a')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  test('transfer ids depend on the original run, not on the current one', () => {
    const key = { workflowId: 'download-r1', originalRunId: 'run-a', step: 'reserve' };
    expect(transferIdFor(key)).toBe(transferIdFor({ ...key }));
    expect(transferIdFor(key)).not.toBe(transferIdFor({ ...key, step: 'post' }));
    expect(transferIdFor(key)).not.toBe(transferIdFor({ ...key, originalRunId: 'run-b' }));
  });

  test('a platform account and an owner account of the same code differ', () => {
    expect(accountIdFor('float_ecash', null)).not.toBe(accountIdFor('float_ecash', 'customer:x'));
  });

  test('an empty name is refused', () => {
    expect(() => nameBasedId('')).toThrow(RangeError);
    expect(() => transferIdFor({ workflowId: 'w', originalRunId: '', step: 's' })).toThrow(RangeError);
  });
});

describe('money at the edge', () => {
  test.each([
    ['250.00', 25000n],
    ['250', 25000n],
    ['0.01', 1n],
    ['42949672.95', 4294967295n],
  ])('%s is %s minor units and formats back', (text, minor) => {
    expect(parseMoney(text)).toBe(minor);
    expect(parseMoney(formatMoney(minor))).toBe(minor);
  });
});

describe("the client's request checks", () => {
  const request = { requestId: 'r-1', csn: '6071 0000 0000 0042', purse: 'ecash' as const, amount: '250.00', mode: 'connected' as const, readerId: 'desk-1' };

  test('a request becomes the workflow input with minor units as a string', () => {
    expect(toInput(request)).toEqual({ requestId: 'r-1', csn: '6071000000000042', purse: 'ecash', amountMinor: '25000', mode: 'connected', readerId: 'desk-1', timing: undefined });
  });

  test('the asking customer travels in the workflow input when given', () => {
    expect(toInput({ ...request, customerId: 'ann' })).toMatchObject({ customerId: 'ann' });
    expect(toInput(request)).not.toHaveProperty('customerId');
  });

  test.each([
    ['an amount with three decimals', { amount: '1.005' }],
    ['an amount a card cannot hold', { amount: '42949672.96' }],
    ['a connected request without a reader', { readerId: undefined }],
    ['a request id with spaces', { requestId: 'a b' }],
    ['an unknown purse', { purse: 'gold' }],
    ['a short card number', { csn: '6071' }],
    ['a customer id with spaces', { customerId: 'ann smith' }],
    ['an empty customer id', { customerId: '' }],
  ])('%s is refused', (_what, change) => {
    expect(() => toInput({ ...request, ...(change as object) })).toThrow(DownloadClientError);
  });
});
