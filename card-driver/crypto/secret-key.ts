// A 3DES key that cannot leak by accident: its bytes live in a private field, and every way an
// object usually becomes text (toString, util.inspect, JSON.stringify, template strings) shows only
// the key's label. Only the block-cipher operations in this module ever touch the bytes.
import * as crypto from 'node:crypto';
import { inspect } from 'node:util';

export const BLOCK_BYTES = 8;
export const KEY_BYTES = 16;

export type CryptoErrorCode = 'key_length' | 'key_format' | 'block_length' | 'not_digits' | 'atc_range' | 'mac_finished';

export class CryptoError extends Error {
  constructor(
    readonly code: CryptoErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CryptoError';
  }
}

const REDACTED = '[redacted]';

/**
 * Whether this process's OpenSSL offers single DES. OpenSSL 3 keeps it in its "legacy" provider,
 * which Node loads only when started with --openssl-legacy-provider (the server worker is). Single
 * DES under K1 is exactly 3DES-EDE under K1‖K1 (spec §2), at a third of the work: the MAC chains of
 * a settlement file are all single DES, so this is what makes verification of a large file fast.
 * Without it every K1 operation runs as EDE with K1‖K1, same results.
 */
export const SINGLE_DES_NATIVE: boolean = probeSingleDes();

function probeSingleDes(): boolean {
  try {
    crypto.createCipheriv('des-ecb', Buffer.alloc(8, 1), null).final();
    return true;
  } catch {
    return false;
  }
}

/** Two-key 3DES key K = K1 ‖ K2 (16 bytes). */
export class SecretKey {
  readonly #bytes: Buffer;
  // ECB cipher contexts are reusable without final(): encryption with padding off returns every
  // whole block at once and carries no state between calls. Creating a context costs ~4 µs, an
  // update ~1 µs, so caching them is what makes per-record verification fast.
  #ede: crypto.Cipher | undefined;
  #single: crypto.Cipher | undefined;

  // A session key lives for one transaction: its contexts are freed at once (final() releases
  // OpenSSL's context) instead of waiting for a GC that cannot see native memory.
  readonly #ephemeral: boolean;

  private constructor(
    bytes: Buffer,
    readonly label: string,
    ephemeral = false,
  ) {
    this.#bytes = bytes;
    this.#ephemeral = ephemeral;
  }

  /** Copies the bytes, so the caller may wipe its buffer. */
  static fromBytes(bytes: Uint8Array, label: string): SecretKey {
    if (bytes.length !== KEY_BYTES) {
      throw new CryptoError('key_length', `Key ${label} must be ${KEY_BYTES} bytes (two-key 3DES), got ${bytes.length}.`);
    }
    return new SecretKey(Buffer.from(bytes), label);
  }

  /** Parses 32 hex digits. The error never repeats the text it was given. */
  static fromHex(hex: string, label: string): SecretKey {
    const clean = hex.replace(/\s+/g, '');
    if (!/^[0-9A-Fa-f]{32}$/.test(clean)) {
      throw new CryptoError('key_format', `Key ${label} must be 32 hexadecimal digits (16 bytes); check the configured value.`);
    }
    return new SecretKey(Buffer.from(clean, 'hex'), label);
  }

  /** Constant-time comparison of two keys' bytes. */
  equals(other: SecretKey): boolean {
    return crypto.timingSafeEqual(this.#bytes, other.#bytes);
  }

  /** Session keys do not keep cipher contexts: each operation pays one context creation. */
  get isSessionKey(): boolean {
    return this.#ephemeral;
  }

  /** True when K1 = K2, i.e. the key degenerates to single DES. */
  get isSingleLength(): boolean {
    return this.#bytes.subarray(0, 8).equals(this.#bytes.subarray(8));
  }

  /** 3DES-EDE2 encryption of whole 8-byte blocks, ECB. */
  encryptEcb(data: Buffer): Buffer {
    assertBlocks(data);
    if (this.#ephemeral) return once(ecb(this.#bytes), data);
    this.#ede ??= ecb(this.#bytes);
    return this.#ede.update(data);
  }

  /** Single DES under K1 of whole 8-byte blocks, ECB (single DES k = EDE with k‖k, spec §2). */
  encryptEcbK1(data: Buffer): Buffer {
    assertBlocks(data);
    if (this.#ephemeral) return once(this.#k1Cipher(null), data);
    this.#single ??= this.#k1Cipher(null);
    return this.#single.update(data);
  }

  /** Single DES CBC under K1 from `iv`, for long messages: one native call instead of one per block. */
  encryptCbcK1(data: Buffer, iv: Buffer): Buffer {
    assertBlocks(data);
    return once(this.#k1Cipher(iv), data);
  }

  /** A fresh streaming single-DES CBC context under K1, IV zero (for the incremental MAC). */
  cbcK1Stream(): crypto.Cipher {
    return this.#k1Cipher(Buffer.alloc(BLOCK_BYTES));
  }

  /**
   * Builds a key from the output of a derivation over this key (DIV, SK): the 16 bytes are
   * `encryptEcb(input)` with odd parity, and never leave this module.
   */
  deriveOddParity(input: Buffer, label: string, use: 'long-lived' | 'session' = 'long-lived'): SecretKey {
    if (input.length !== KEY_BYTES) throw new CryptoError('block_length', 'A derivation input is two blocks (16 bytes).');
    return new SecretKey(withOddParity(this.encryptEcb(input)), label, use === 'session');
  }

  /**
   * MAC algorithm 3 under the session key odd(encryptEcb(derivationInput)) (spec §2's SK), for a
   * message given as its whole blocks before the last (`head`, possibly empty) and its padded last
   * block: the 8-byte MAC. The session key never becomes an object and its bytes are wiped before
   * this returns. This is the settlement verifier's per-record path, where the two cipher contexts
   * the session key needs (Node cannot re-key one) are most of the cost: nothing else is allocated
   * but their outputs. Both contexts are finalized, which frees their native memory at once: left
   * to the garbage collector, that memory raised the peak RSS of a million-record verification by
   * ~15 MB, and freeing it inside young-generation GCs made those several times slower.
   */
  sessionMac(derivationInput: Buffer, head: Buffer, lastBlock: Buffer): Buffer {
    if (derivationInput.length !== KEY_BYTES) throw new CryptoError('block_length', 'A derivation input is two blocks (16 bytes).');
    if (lastBlock.length !== BLOCK_BYTES || head.length % BLOCK_BYTES !== 0) {
      throw new CryptoError('block_length', `DES works on whole 8-byte blocks; got ${head.length} + ${lastBlock.length} bytes.`);
    }
    this.#ede ??= ecb(this.#bytes);
    const session = this.#ede.update(derivationInput);
    for (let i = 0; i < KEY_BYTES; i++) session[i] = ODD_PARITY[session[i]];
    const last = SCRATCH_BLOCK;
    if (head.length === 0) last.set(lastBlock);
    else {
      const chain = once(
        SINGLE_DES_NATIVE
          ? crypto.createCipheriv('des-cbc', session.subarray(0, 8), ZERO_IV)
          : crypto.createCipheriv('des-ede-cbc', k1k1Into(SCRATCH_K1K1, session), ZERO_IV),
        head,
      );
      const h = chain.length - BLOCK_BYTES;
      for (let i = 0; i < BLOCK_BYTES; i++) last[i] = chain[h + i] ^ lastBlock[i];
    }
    const mac = once(crypto.createCipheriv('des-ede', session, null), last);
    session.fill(0);
    SCRATCH_K1K1.fill(0);
    last.fill(0);
    return mac;
  }

  /**
   * Frees the cached cipher contexts now rather than at some later GC (V8 does not see their
   * native memory). The key stays usable; contexts are made again when needed.
   */
  releaseContexts(): void {
    this.#ede?.final();
    this.#single?.final();
    this.#ede = undefined;
    this.#single = undefined;
  }

  /** A single-DES context under K1: ECB when `iv` is null, else CBC from `iv`. */
  #k1Cipher(iv: Buffer | null): crypto.Cipher {
    const cipher = SINGLE_DES_NATIVE
      ? crypto.createCipheriv(iv ? 'des-cbc' : 'des-ecb', this.#bytes.subarray(0, 8), iv)
      : crypto.createCipheriv(iv ? 'des-ede-cbc' : 'des-ede', this.#k1k1(), iv);
    cipher.setAutoPadding(false);
    return cipher;
  }

  #k1k1(): Buffer {
    return k1k1Into(Buffer.allocUnsafe(KEY_BYTES), this.#bytes);
  }

  toString(): string {
    return `SecretKey(${this.label}, ${REDACTED})`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }

  get [Symbol.toStringTag](): string {
    return 'SecretKey';
  }
}

const ZERO_IV = Buffer.alloc(BLOCK_BYTES);
// Scratch space of sessionMac (synchronous, so never shared by two calls); wiped after each use.
const SCRATCH_BLOCK = Buffer.alloc(BLOCK_BYTES);
const SCRATCH_K1K1 = Buffer.alloc(KEY_BYTES);

/** K1 ‖ K1 of a two-key 3DES key, into `out`: single DES under K1 as 3DES-EDE. */
function k1k1Into(out: Buffer, key: Buffer): Buffer {
  for (let i = 0; i < 8; i++) out[i] = out[8 + i] = key[i];
  return out;
}

function ecb(key: Buffer): crypto.Cipher {
  const cipher = crypto.createCipheriv('des-ede', key, null);
  cipher.setAutoPadding(false);
  return cipher;
}

/**
 * One update, then final(), which frees the native context at once. An encrypting update returns
 * every whole block, so the output is complete; what final() returns is ignored (with padding left
 * on it is a padding block, which costs less than a call to turn padding off).
 */
function once(cipher: crypto.Cipher, data: Buffer): Buffer {
  const out = cipher.update(data);
  cipher.final();
  return out;
}

function assertBlocks(data: Buffer): void {
  if (data.length === 0 || data.length % BLOCK_BYTES !== 0) {
    throw new CryptoError('block_length', `DES works on whole 8-byte blocks; got ${data.length} bytes.`);
  }
}

/** odd(K): sets each byte's low bit so that the byte has an odd number of 1 bits. Returns a new buffer. */
export function withOddParity(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = ODD_PARITY[bytes[i]];
  return out;
}

/** Every byte value with its low bit set so that the byte has an odd number of 1 bits. */
const ODD_PARITY: Uint8Array = Uint8Array.from({ length: 256 }, (_, value) => {
  const high = value & 0xfe;
  let ones = 0;
  for (let b = high; b !== 0; b >>= 1) ones += b & 1;
  return ones % 2 === 1 ? high : high | 1;
});
