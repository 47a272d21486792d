// The issuer's key store: the only holder of the four master keys (spec 2.1). The server asks it
// for MACs and code checks; derived keys (a card's, a SAM's, a Transfer card's) may leave it, the
// master keys never do.
import { diversify } from '../crypto/derivation';
import { RetailMacStream } from '../crypto/retail-mac';
import { SecretKey } from '../crypto/secret-key';
import { digits8 } from '../crypto/digits';
import { csnToBytes, hexIdToBytes, type Csn, type PurseId, type SamId, type TransferCardId } from '../esmart/identity';
import {
  formatAuthorizationCode,
  parseConfirmationCode,
  parseRequestCode,
} from '../esmart/offline-codes';
import { EsmartError } from '../esmart/protocol-error';
import {
  computeMac1,
  computeMac2,
  computeMac3,
  computePurchaseMac,
  computeSamMac,
  OFFLINE_RANDOM,
  type LoadCredit,
  type LoadSession,
  type PurchaseProof,
} from '../esmart/transaction-macs';
import { timingSafeEqual } from 'node:crypto';

export interface MasterKeys {
  load: SecretKey;
  purchase: SecretKey;
  sam: SecretKey;
  transfer: SecretKey;
}

export interface CardKeys {
  /** KL = DIV(MK_LOAD, CSN) */
  load: SecretKey;
  /** KP = DIV(MK_PURCHASE, CSN) */
  purchase: SecretKey;
}

/** What the portal knows about an offline load from the customer's form. */
export interface OfflineLoadRequest {
  csn: Csn;
  purse: PurseId;
  amount: bigint;
}

export type CodeCheck<T> =
  | ({ valid: true } & T)
  | { valid: false; reason: 'format' | 'check_digit' | 'mac_mismatch'; message: string };

export interface KeyStore {
  cardKeys(csn: Csn): CardKeys;
  cardPurchaseKey(csn: Csn): SecretKey;
  samKey(samId: SamId): SecretKey;
  transferCardKey(id: TransferCardId): SecretKey;

  /** Online load: is MAC1 the genuine card's? */
  verifyMac1(session: LoadSession, mac1: Buffer): boolean;
  /** Online load: the authorization for CREDIT LOAD. */
  mac2(session: LoadSession): Buffer;
  /** The MAC3 a credit must carry (also to compare with a log record when recovering a torn load). */
  mac3(credit: LoadCredit): Buffer;
  verifyMac3(credit: LoadCredit, mac3: Buffer): boolean;

  /** Offline load: checks a request code typed by the customer; gives the card's ATC when it holds. */
  verifyRequestCode(request: OfflineLoadRequest, code: string): CodeCheck<{ atc: number }>;
  /** Offline load: the 9-digit authorization code for the customer to type into the pocket. */
  authorizationCode(credit: LoadCredit): string;
  /** Offline load: checks the confirmation code the pocket showed after the credit. */
  verifyConfirmationCode(credit: LoadCredit, code: string): CodeCheck<object>;

  verifyPurchaseMac(purchase: PurchaseProof, macp: Buffer): boolean;
  verifySamMac(samId: SamId, recordHead: Buffer, macs: Buffer): boolean;
  /** An incremental MAC under KT for a whole `.estb` file (the caller feeds `06 ‖ header ‖ records`). */
  transferFileMac(id: TransferCardId): RetailMacStream;
}

// Enough for every card and SAM of a large settlement batch; bounded so a hostile file of
// random CSNs cannot grow memory without limit.
const DERIVED_KEY_CACHE_ENTRIES = 8192;

class DerivedKeyCache {
  readonly #entries = new Map<string, SecretKey>();
  constructor(readonly capacity: number) {}
  get(id: string, derive: () => SecretKey): SecretKey {
    const hit = this.#entries.get(id);
    if (hit) return hit;
    const key = derive();
    if (this.#entries.size >= this.capacity) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.get(oldest)?.releaseContexts();
      this.#entries.delete(oldest);
    }
    this.#entries.set(id, key);
    return key;
  }
}

export class IssuerKeyStore implements KeyStore {
  readonly #masters: MasterKeys;
  readonly #purchaseKeys = new DerivedKeyCache(DERIVED_KEY_CACHE_ENTRIES);
  readonly #loadKeys = new DerivedKeyCache(DERIVED_KEY_CACHE_ENTRIES);
  readonly #samKeys = new DerivedKeyCache(DERIVED_KEY_CACHE_ENTRIES);
  readonly #transferKeys = new DerivedKeyCache(64);

  /** `source` says where the master keys came from, for startup logs; it holds no key material. */
  constructor(
    masters: MasterKeys,
    readonly source: 'test-keys' | 'file' | 'environment' | 'given',
  ) {
    this.#masters = masters;
  }

  cardKeys(csn: Csn): CardKeys {
    return { load: this.#loadKey(csn), purchase: this.cardPurchaseKey(csn) };
  }

  cardPurchaseKey(csn: Csn): SecretKey {
    return this.#purchaseKeys.get(csn, () => diversify(this.#masters.purchase, csnToBytes(csn), `KP(${csn})`));
  }

  samKey(samId: SamId): SecretKey {
    return this.#samKeys.get(samId, () => diversify(this.#masters.sam, hexIdToBytes(samId), `KS(${samId})`));
  }

  transferCardKey(id: TransferCardId): SecretKey {
    return this.#transferKeys.get(id, () => diversify(this.#masters.transfer, hexIdToBytes(id), `KT(${id})`));
  }

  verifyMac1(session: LoadSession, mac1: Buffer): boolean {
    return sameMac(computeMac1(this.#loadKey(session.csn), session), mac1);
  }

  mac2(session: LoadSession): Buffer {
    return computeMac2(this.#loadKey(session.csn), session);
  }

  mac3(credit: LoadCredit): Buffer {
    return computeMac3(this.#loadKey(credit.csn), credit);
  }

  verifyMac3(credit: LoadCredit, mac3: Buffer): boolean {
    return sameMac(this.mac3(credit), mac3);
  }

  verifyRequestCode(request: OfflineLoadRequest, code: string): CodeCheck<{ atc: number }> {
    let parsed;
    try {
      parsed = parseRequestCode(code);
    } catch (err) {
      return codeRefusal(err);
    }
    const mac1 = computeMac1(this.#loadKey(request.csn), {
      ...request,
      atc: parsed.atc,
      rh: OFFLINE_RANDOM,
      rc: OFFLINE_RANDOM,
    });
    if (digits8(mac1) !== parsed.mac1Digits) {
      return {
        valid: false,
        reason: 'mac_mismatch',
        message: 'This request code does not belong to this card, purse and amount; check the form and the code on the pocket.',
      };
    }
    return { valid: true, atc: parsed.atc };
  }

  authorizationCode(credit: LoadCredit): string {
    return formatAuthorizationCode(this.mac2({ ...credit, rh: OFFLINE_RANDOM, rc: OFFLINE_RANDOM }));
  }

  verifyConfirmationCode(credit: LoadCredit, code: string): CodeCheck<object> {
    let digits;
    try {
      digits = parseConfirmationCode(code);
    } catch (err) {
      return codeRefusal(err);
    }
    if (digits8(this.mac3(credit)) !== digits) {
      return {
        valid: false,
        reason: 'mac_mismatch',
        message: 'This confirmation code does not prove this load; check the code the pocket shows (it can show it again).',
      };
    }
    return { valid: true };
  }

  verifyPurchaseMac(purchase: PurchaseProof, macp: Buffer): boolean {
    return sameMac(computePurchaseMac(this.cardPurchaseKey(purchase.csn), purchase), macp);
  }

  verifySamMac(samId: SamId, recordHead: Buffer, macs: Buffer): boolean {
    return sameMac(computeSamMac(this.samKey(samId), recordHead), macs);
  }

  transferFileMac(id: TransferCardId): RetailMacStream {
    return new RetailMacStream(this.transferCardKey(id));
  }

  #loadKey(csn: Csn): SecretKey {
    return this.#loadKeys.get(csn, () => diversify(this.#masters.load, csnToBytes(csn), `KL(${csn})`));
  }

  toString(): string {
    return `IssuerKeyStore(${this.source})`;
  }

  toJSON(): string {
    return this.toString();
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

function sameMac(expected: Buffer, given: Buffer): boolean {
  return given.length === expected.length && timingSafeEqual(expected, given);
}

function codeRefusal(err: unknown): { valid: false; reason: 'format' | 'check_digit'; message: string } {
  if (err instanceof EsmartError && (err.code === 'code_format' || err.code === 'code_check_digit')) {
    return { valid: false, reason: err.code === 'code_format' ? 'format' : 'check_digit', message: err.message };
  }
  throw err;
}
