import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { csnWithCheckDigit, KEY_ENV, KeyConfigError, keyStoreFromEnvironment, PURSE, TEST_MASTER_KEYS_HEX } from '../index';
import { hex, vectors } from './spec-vectors';

const OWN = {
  MK_LOAD: '0123456789ABCDEFFEDCBA9876543210',
  MK_PURCHASE: '1123456789ABCDEFFEDCBA9876543210',
  MK_SAM: '2123456789ABCDEFFEDCBA9876543210',
  MK_TRANSFER: '3123456789ABCDEFFEDCBA9876543210',
};
const envOf = (k: typeof OWN) => ({
  [KEY_ENV.load]: k.MK_LOAD,
  [KEY_ENV.purchase]: k.MK_PURCHASE,
  [KEY_ENV.sam]: k.MK_SAM,
  [KEY_ENV.transfer]: k.MK_TRANSFER,
});
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'purseflow-keys-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
function keysFile(content: string): string {
  const file = path.join(dir, `keys-${Math.random().toString(16).slice(2)}.json`);
  fs.writeFileSync(file, content);
  return file;
}
function configError(env: NodeJS.ProcessEnv): KeyConfigError {
  try {
    keyStoreFromEnvironment(env);
  } catch (err) {
    expect(err).toBeInstanceOf(KeyConfigError);
    return err as KeyConfigError;
  }
  throw new Error('expected a refusal');
}
const allKeyTexts = [...Object.values(OWN), ...Object.values(TEST_MASTER_KEYS_HEX)];
const showsKey = (text: string): boolean => allKeyTexts.some((k) => text.toUpperCase().includes(k));

describe('where the master keys come from', () => {
  test('development without configuration uses the test keys (vector KL)', () => {
    const store = keyStoreFromEnvironment({});
    expect(store.source).toBe('test-keys');
    const csn = csnWithCheckDigit(vectors.card.CSN.slice(0, 15));
    expect(store.cardKeys(csn).load.equals(keyStoreFromEnvironment({}).cardKeys(csn).load)).toBe(true);
    expect(store.verifyMac3({ csn, atc: 1, purse: PURSE.ecash, amount: 25000n }, hex(vectors.online_load.MAC3))).toBe(true);
  });

  test('NODE_ENV=production without keys is refused', () => {
    expect(configError({ NODE_ENV: 'production' }).code).toBe('keys_missing_in_production');
  });

  test('PURSEFLOW_MODE=production without keys is refused', () => {
    expect(configError({ PURSEFLOW_MODE: 'production' }).code).toBe('keys_missing_in_production');
  });

  test('the published test keys configured explicitly are refused in production', () => {
    const err = configError({ NODE_ENV: 'production', ...envOf(TEST_MASTER_KEYS_HEX) });
    expect(err.code).toBe('test_keys_in_production');
    expect(showsKey(err.message)).toBe(false);
  });

  test('the four environment variables configure the store, also in production', () => {
    const store = keyStoreFromEnvironment({ NODE_ENV: 'production', ...envOf(OWN) });
    expect(store.source).toBe('environment');
  });

  test('three variables out of four are refused, naming the missing one', () => {
    const env = { ...envOf(OWN), [KEY_ENV.sam]: undefined };
    const err = configError(env);
    expect(err.code).toBe('keys_incomplete');
    expect(err.message).toContain(KEY_ENV.sam);
  });

  test('a keys file configures the store', () => {
    expect(keyStoreFromEnvironment({ [KEY_ENV.file]: keysFile(JSON.stringify(OWN)), NODE_ENV: 'production' }).source).toBe('file');
  });

  test('a file and variables together are refused', () => {
    expect(configError({ [KEY_ENV.file]: keysFile(JSON.stringify(OWN)), ...envOf(OWN) }).code).toBe('keys_conflicting_sources');
  });

  test('a missing file is keys_file_unreadable', () => {
    expect(configError({ [KEY_ENV.file]: path.join(dir, 'absent.json') }).code).toBe('keys_file_unreadable');
  });

  test('a file that is not JSON is refused without quoting its content', () => {
    const err = configError({ [KEY_ENV.file]: keysFile(`{"MK_LOAD": "${OWN.MK_LOAD}", oops}`) });
    expect(err.code).toBe('keys_file_invalid');
    expect(showsKey(err.message)).toBe(false);
  });

  test('a file lacking a key is keys_incomplete', () => {
    const { MK_SAM: _omit, ...three } = OWN;
    expect(configError({ [KEY_ENV.file]: keysFile(JSON.stringify(three)) }).code).toBe('keys_incomplete');
  });

  test('a malformed key is refused without repeating it', () => {
    const bad = { ...OWN, MK_LOAD: OWN.MK_LOAD.slice(0, 30) + 'ZZ' };
    const err = configError(envOf(bad));
    expect(err.code).toBe('key_invalid');
    expect(err.message).not.toContain(bad.MK_LOAD.slice(0, 20));
  });

  test('a key with equal halves (single DES) is refused', () => {
    expect(configError(envOf({ ...OWN, MK_SAM: '0123456789ABCDEF0123456789ABCDEF' })).code).toBe('key_single_length');
  });
});

describe('the key store shows no key material', () => {
  const store = keyStoreFromEnvironment(envOf(OWN));
  const csn = csnWithCheckDigit('607100000000123');
  test('toString, inspect and JSON of the store and of derived keys', () => {
    for (const text of [String(store), inspect(store, { showHidden: true, depth: 10 }), JSON.stringify({ store }), inspect(store.cardKeys(csn), { showHidden: true }), JSON.stringify(store.cardKeys(csn))]) {
      expect(showsKey(text)).toBe(false);
      expect(text).not.toMatch(/[0-9A-F]{32}/i);
    }
  });
});

describe('offline code checks', () => {
  const store = keyStoreFromEnvironment({});
  const csn = csnWithCheckDigit(vectors.card.CSN.slice(0, 15));
  const request = { csn, purse: PURSE.food, amount: 10000n };
  const off = vectors.offline_load;

  test('a request code with a typo is refused as check_digit, before any MAC', () => {
    const typo = '1' + off.request_code.slice(1);
    expect(store.verifyRequestCode(request, typo)).toMatchObject({ valid: false, reason: 'check_digit' });
  });

  test('a request code of the wrong length is a format refusal', () => {
    expect(store.verifyRequestCode(request, '123')).toMatchObject({ valid: false, reason: 'format' });
  });

  test('a genuine request code for another amount does not verify', () => {
    expect(store.verifyRequestCode({ ...request, amount: 10001n }, off.request_code)).toMatchObject({ valid: false, reason: 'mac_mismatch' });
  });

  test('spaces between digit groups are accepted', () => {
    expect(store.verifyRequestCode(request, off.request_code.replace(/(\d{5})(\d{4})/, '$1 $2 '))).toEqual({ valid: true, atc: 2 });
  });

  test('a confirmation code for another ATC does not verify', () => {
    expect(store.verifyConfirmationCode({ csn, atc: 3, purse: PURSE.food, amount: 10000n }, off.confirmation_code)).toMatchObject({ valid: false, reason: 'mac_mismatch' });
  });
});

test('derived keys stay right after the bounded cache evicts them', () => {
  const store = keyStoreFromEnvironment({});
  const first = csnWithCheckDigit('607100000000000');
  const kp = store.cardPurchaseKey(first);
  for (let i = 1; i <= 8300; i++) store.cardPurchaseKey(csnWithCheckDigit(`6072${String(i).padStart(11, '0')}`));
  expect(store.cardPurchaseKey(first).equals(keyStoreFromEnvironment({}).cardPurchaseKey(first))).toBe(true);
  expect(kp.equals(store.cardPurchaseKey(first))).toBe(true);
});
