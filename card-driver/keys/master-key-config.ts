// Where the issuer's master keys come from. Production must configure its own; the spec's test
// keys are the development default and are refused in production mode.
import * as fs from 'node:fs';
import { CryptoError, SecretKey } from '../crypto/secret-key';
import { IssuerKeyStore, type MasterKeys } from './key-store';

export const KEY_ENV = {
  file: 'PURSEFLOW_MASTER_KEYS_FILE',
  load: 'PURSEFLOW_MK_LOAD',
  purchase: 'PURSEFLOW_MK_PURCHASE',
  sam: 'PURSEFLOW_MK_SAM',
  transfer: 'PURSEFLOW_MK_TRANSFER',
} as const;

/** The spec's test keys (esmart-card.md 2.1). Public knowledge: never for real money. */
export const TEST_MASTER_KEYS_HEX = {
  MK_LOAD: '404142434445464748494A4B4C4D4E4F',
  MK_PURCHASE: '505152535455565758595A5B5C5D5E5F',
  MK_SAM: '606162636465666768696A6B6C6D6E6F',
  MK_TRANSFER: '707172737475767778797A7B7C7D7E7F',
} as const;

type MasterName = keyof typeof TEST_MASTER_KEYS_HEX;
const NAMES: readonly MasterName[] = ['MK_LOAD', 'MK_PURCHASE', 'MK_SAM', 'MK_TRANSFER'];
const ENV_OF: Record<MasterName, string> = {
  MK_LOAD: KEY_ENV.load,
  MK_PURCHASE: KEY_ENV.purchase,
  MK_SAM: KEY_ENV.sam,
  MK_TRANSFER: KEY_ENV.transfer,
};

export type KeyConfigErrorCode =
  | 'keys_missing_in_production'
  | 'test_keys_in_production'
  | 'keys_file_unreadable'
  | 'keys_file_invalid'
  | 'keys_incomplete'
  | 'keys_conflicting_sources'
  | 'key_invalid'
  | 'key_single_length';

export class KeyConfigError extends Error {
  constructor(
    readonly code: KeyConfigErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'KeyConfigError';
  }
}

export function isProductionMode(env: NodeJS.ProcessEnv): boolean {
  return env.NODE_ENV === 'production' || env.PURSEFLOW_MODE === 'production';
}

export function testMasterKeys(): MasterKeys {
  return toMasters(TEST_MASTER_KEYS_HEX, 'test key');
}

/** A key store over the spec's test keys, for tests, simulators and demos. */
export function testKeyStore(): IssuerKeyStore {
  return new IssuerKeyStore(testMasterKeys(), 'test-keys');
}

/**
 * The key store as configured by the environment (README "Master keys"): a JSON file named by
 * PURSEFLOW_MASTER_KEYS_FILE, or the four PURSEFLOW_MK_* variables, or — outside production — the
 * test keys.
 */
export function keyStoreFromEnvironment(env: NodeJS.ProcessEnv = process.env): IssuerKeyStore {
  const production = isProductionMode(env);
  const file = env[KEY_ENV.file];
  const given = NAMES.filter((n) => env[ENV_OF[n]] !== undefined && env[ENV_OF[n]] !== '');
  if (file && given.length > 0) {
    throw new KeyConfigError(
      'keys_conflicting_sources',
      `Both ${KEY_ENV.file} and ${given.map((n) => ENV_OF[n]).join(', ')} are set; configure the master keys in one place only.`,
    );
  }
  let source: 'file' | 'environment' | 'test-keys';
  let hex: Record<MasterName, string>;
  if (file) {
    source = 'file';
    hex = readKeysFile(file);
  } else if (given.length > 0) {
    if (given.length !== NAMES.length) {
      const missing = NAMES.filter((n) => !given.includes(n)).map((n) => ENV_OF[n]);
      throw new KeyConfigError('keys_incomplete', `Set all four master keys; missing ${missing.join(', ')}.`);
    }
    source = 'environment';
    hex = Object.fromEntries(NAMES.map((n) => [n, env[ENV_OF[n]] as string])) as Record<MasterName, string>;
  } else {
    if (production) {
      throw new KeyConfigError(
        'keys_missing_in_production',
        `Production mode needs the issuer's own master keys: set ${KEY_ENV.file} (a JSON file with MK_LOAD, MK_PURCHASE, MK_SAM, MK_TRANSFER) or the four ${KEY_ENV.load}/… variables.`,
      );
    }
    return testKeyStore();
  }
  const masters = toMasters(hex, 'master key');
  if (production) {
    const tests = testMasterKeys();
    const reused = NAMES.filter((n) => masterOf(masters, n).equals(masterOf(tests, n)));
    if (reused.length > 0) {
      throw new KeyConfigError(
        'test_keys_in_production',
        `${reused.join(', ')} ${reused.length === 1 ? 'is' : 'are'} the published test key; production must use the issuer's own keys.`,
      );
    }
  }
  return new IssuerKeyStore(masters, source);
}

function readKeysFile(path: string): Record<MasterName, string> {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new KeyConfigError('keys_file_unreadable', `Cannot read the master keys file ${path} (${reason}); check ${KEY_ENV.file} and the file's permissions.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse's own message quotes the text around the error, which would be key material.
    throw new KeyConfigError('keys_file_invalid', `The master keys file ${path} is not valid JSON; it must be {"MK_LOAD": "<32 hex>", "MK_PURCHASE": …, "MK_SAM": …, "MK_TRANSFER": …}.`);
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new KeyConfigError('keys_file_invalid', `The master keys file ${path} must hold one JSON object with MK_LOAD, MK_PURCHASE, MK_SAM, MK_TRANSFER.`);
  }
  const record = parsed as Record<string, unknown>;
  const missing = NAMES.filter((n) => typeof record[n] !== 'string');
  if (missing.length > 0) {
    throw new KeyConfigError('keys_incomplete', `The master keys file ${path} lacks ${missing.join(', ')} (each a string of 32 hex digits).`);
  }
  return Object.fromEntries(NAMES.map((n) => [n, record[n] as string])) as Record<MasterName, string>;
}

function toMasters(hex: Record<MasterName, string>, what: string): MasterKeys {
  const key = (n: MasterName): SecretKey => {
    let k: SecretKey;
    try {
      k = SecretKey.fromHex(hex[n], n);
    } catch (err) {
      if (err instanceof CryptoError) throw new KeyConfigError('key_invalid', `The ${what} ${n} must be 32 hexadecimal digits (16 bytes).`);
      throw err;
    }
    if (k.isSingleLength) {
      throw new KeyConfigError('key_single_length', `The ${what} ${n} has equal halves (it would be single DES); generate a proper two-key 3DES key.`);
    }
    return k;
  };
  return { load: key('MK_LOAD'), purchase: key('MK_PURCHASE'), sam: key('MK_SAM'), transfer: key('MK_TRANSFER') };
}

function masterOf(m: MasterKeys, n: MasterName): SecretKey {
  return n === 'MK_LOAD' ? m.load : n === 'MK_PURCHASE' ? m.purchase : n === 'MK_SAM' ? m.sam : m.transfer;
}
