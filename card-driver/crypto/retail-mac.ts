// ISO/IEC 9797-1 MAC algorithm 3 ("retail MAC", ANSI X9.19), IV zero, padding method 2.
// MAC = E_K1(D_K2(H_n)) with H_n = E_K1(P_n xor H_n-1), which is exactly 3DES-EDE2(P_n xor H_n-1):
// the chain runs in single DES under K1 and only the last block costs a full 3DES.
import type { Cipher } from 'node:crypto';
import { pad2 } from './padding';
import { BLOCK_BYTES, CryptoError, SecretKey } from './secret-key';

export const MAC_BYTES = 8;
export const MAC4_BYTES = 4;

// Below this many blocks, per-block calls on the cached ECB context beat creating a CBC context.
const CBC_CONTEXT_THRESHOLD_BLOCKS = 4;

/** MAC(K, M): 8 bytes. */
export function retailMac(key: SecretKey, message: Uint8Array): Buffer {
  const padded = pad2(message);
  const blocks = padded.length / BLOCK_BYTES;
  let chain: Buffer = Buffer.alloc(BLOCK_BYTES);
  const head = blocks - 1;
  if (head > 0 && (head >= CBC_CONTEXT_THRESHOLD_BLOCKS || key.isSessionKey)) {
    const out = key.encryptCbcK1(padded.subarray(0, head * BLOCK_BYTES), chain);
    chain = out.subarray(out.length - BLOCK_BYTES);
  } else {
    for (let i = 0; i < head; i++) {
      chain = key.encryptEcbK1(xorBlock(chain, padded, i * BLOCK_BYTES));
    }
  }
  return key.encryptEcb(xorBlock(chain, padded, head * BLOCK_BYTES));
}

/** MAC4(K, M): the first 4 bytes of MAC(K, M). */
export function retailMac4(key: SecretKey, message: Uint8Array): Buffer {
  return retailMac(key, message).subarray(0, MAC4_BYTES);
}

/**
 * MAC4 of many messages of the same length under one key (each optionally behind a common
 * prefix), computed block column by block column: one native call per block position instead of
 * one per block, which is what lets a settlement file's SAM MACs be checked at tens of thousands
 * per second.
 */
export function retailMac4Batch(key: SecretKey, messages: readonly Uint8Array[], prefix: Uint8Array = EMPTY): Buffer[] {
  const n = messages.length;
  if (n === 0) return [];
  const bodyLength = messages[0].length;
  if (messages.some((m) => m.length !== bodyLength)) throw new CryptoError('block_length', 'A MAC batch takes messages of one length.');
  const bodies = Buffer.concat(messages);
  const offsets = Array.from({ length: n }, (_, r) => r * bodyLength);
  const macs = retailMacBatchAt(key, bodies, offsets, n, bodyLength, prefix);
  const out: Buffer[] = new Array(n);
  for (let r = 0; r < n; r++) out[r] = macs.subarray(r * BLOCK_BYTES, r * BLOCK_BYTES + MAC4_BYTES);
  return out;
}

/**
 * The batch MAC of `count` messages `prefix ‖ source[offsets[r] .. offsets[r] + span)`, read where
 * they lie (the records of a block of a settlement file: no per-message copies or views). Returns
 * the 8-byte MACs side by side: message r's is bytes 8r .. 8r + 8 (its MAC4 the first 4).
 */
export function retailMacBatchAt(
  key: SecretKey,
  source: Uint8Array,
  offsets: ArrayLike<number>,
  count: number,
  span: number,
  prefix: Uint8Array = EMPTY,
): Buffer {
  if (count <= 0 || offsets.length < count) throw new CryptoError('block_length', 'A MAC batch takes at least one message, each with its offset.');
  for (let r = 0; r < count; r++) {
    if (offsets[r] < 0 || offsets[r] + span > source.length) throw new CryptoError('block_length', 'A message of the MAC batch lies outside its buffer.');
  }
  const p = prefix.length;
  const length = p + span;
  const blocks = Math.floor(length / BLOCK_BYTES) + 1;
  const column = batchColumn(count * BLOCK_BYTES);
  let chains: Buffer | undefined;
  for (let j = 0; j < blocks; j++) {
    // Column j holds block j of every message (ISO padding 2: 80 then zeros), XORed with its chain.
    for (let r = 0; r < count; r++) {
      const from = offsets[r] - p;
      const to = r * BLOCK_BYTES;
      for (let b = 0; b < BLOCK_BYTES; b++) {
        const k = j * BLOCK_BYTES + b;
        const m = k >= length ? (k === length ? 0x80 : 0) : k < p ? prefix[k] : source[from + k];
        column[to + b] = chains === undefined ? m : chains[to + b] ^ m;
      }
    }
    chains = j === blocks - 1 ? key.encryptEcb(column) : key.encryptEcbK1(column);
  }
  return chains as Buffer;
}

// The batch's column, reused across calls (they are synchronous); its bytes are public data XOR
// chaining values, never a key.
let columnScratch = Buffer.alloc(0);
function batchColumn(bytes: number): Buffer {
  if (columnScratch.length < bytes) columnScratch = Buffer.alloc(Math.max(bytes, 2 * columnScratch.length));
  return columnScratch.subarray(0, bytes);
}

const EMPTY = new Uint8Array(0);

function xorBlock(chain: Buffer, data: Buffer, offset: number): Buffer {
  const out = Buffer.allocUnsafe(BLOCK_BYTES);
  for (let j = 0; j < BLOCK_BYTES; j++) out[j] = chain[j] ^ data[offset + j];
  return out;
}

/**
 * The same MAC over a message that arrives in pieces (a settlement file of any size): memory stays
 * constant, whole blocks go through one native CBC context, and only the tail (< 8 bytes) waits here.
 */
export class RetailMacStream {
  readonly #key: SecretKey;
  readonly #cbc: Cipher;
  #tail: Buffer = Buffer.alloc(0);
  #chain: Buffer = Buffer.alloc(BLOCK_BYTES);
  #done = false;

  constructor(key: SecretKey) {
    this.#key = key;
    this.#cbc = key.cbcK1Stream();
  }

  update(piece: Uint8Array): this {
    if (this.#done) throw new CryptoError('mac_finished', 'This MAC is already finished; start a new RetailMacStream.');
    const data = this.#tail.length === 0 ? Buffer.from(piece.buffer, piece.byteOffset, piece.length) : Buffer.concat([this.#tail, piece]);
    const whole = data.length - (data.length % BLOCK_BYTES);
    if (whole > 0) {
      const out = this.#cbc.update(data.subarray(0, whole));
      this.#chain = Buffer.from(out.subarray(out.length - BLOCK_BYTES));
    }
    this.#tail = Buffer.from(data.subarray(whole));
    return this;
  }

  /** The 8-byte MAC of everything given to update(). */
  digest(): Buffer {
    if (this.#done) throw new CryptoError('mac_finished', 'digest() was already called on this MAC.');
    this.#done = true;
    const last = pad2(this.#tail);
    return this.#key.encryptEcb(xorBlock(this.#chain, last, 0));
  }
}
