// Single DES (FIPS 46-3) in TypeScript, for session keys only. Node cannot re-key a cipher, so each
// per-transaction session key would cost fresh OpenSSL contexts (~4 µs each, plus native memory the
// GC cannot see); a key schedule here costs about a microsecond and an 8-byte block well under
// one. Long-lived keys keep using OpenSSL's cached contexts. Only secret-key.ts calls this module:
// schedules are key material and live in SecretKey's private fields.

const S_BOXES: readonly (readonly number[])[] = [
  [14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
    4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13],
  [15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
    0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9],
  [10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
    13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12],
  [7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
    10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14],
  [2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
    4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3],
  [12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
    9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13],
  [4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
    1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12],
  [13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
    7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11],
];
const P = [16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25];
const IP = [
  58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8,
  57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
];
const PC1: readonly number[] = [
  57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
  63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
];
const PC2 = [
  14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
  41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];
const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];
const ROUNDS = 16;

/** SP[box * 64 + six bits]: S-box output already put through P, as a 32-bit word. */
const SP = buildSpTable();
/** A 64-bit permutation as byte lookups: [byte * 256 + value] → (high word, low word). */
const IP_HI = new Int32Array(8 * 256);
const IP_LO = new Int32Array(8 * 256);
const FP_HI = new Int32Array(8 * 256);
const FP_LO = new Int32Array(8 * 256);
buildPermutation(IP, IP_HI, IP_LO);
buildPermutation(inverse(IP), FP_HI, FP_LO);

function buildSpTable(): Int32Array {
  const table = new Int32Array(8 * 64);
  for (let box = 0; box < 8; box++) {
    for (let x = 0; x < 64; x++) {
      const row = ((x >> 4) & 2) | (x & 1);
      const col = (x >> 1) & 15;
      const s = S_BOXES[box][row * 16 + col];
      // S-box `box` writes bits 4·box+1 … 4·box+4 (1 = most significant) of the pre-P word.
      const pre = (s << (28 - 4 * box)) >>> 0;
      let out = 0;
      for (let i = 0; i < 32; i++) if ((pre >>> (32 - P[i])) & 1) out |= 1 << (31 - i);
      table[box * 64 + x] = out;
    }
  }
  return table;
}

function buildPermutation(table: readonly number[], hi: Int32Array, lo: Int32Array): void {
  for (let i = 0; i < 64; i++) {
    const from = table[i] - 1;
    const byte = from >> 3;
    const bit = 7 - (from & 7);
    for (let v = 0; v < 256; v++) {
      if (((v >> bit) & 1) === 0) continue;
      if (i < 32) hi[byte * 256 + v] |= 1 << (31 - i);
      else lo[byte * 256 + v] |= 1 << (63 - i);
    }
  }
}

function inverse(table: readonly number[]): number[] {
  const out = new Array<number>(table.length);
  table.forEach((from, i) => (out[from - 1] = i + 1));
  return out;
}

/**
 * Round keys as byte lookups: [(round · 8 + key byte) · 256 + value] → that byte's bits of the
 * round's 48-bit key, groups 1–4 in ROUND_HI and 5–8 in ROUND_LO (24 bits each). PC1, the
 * rotations and PC2 are all folded in, so scheduling a key is 256 lookups.
 */
const ROUND_HI = new Int32Array(ROUNDS * 8 * 256);
const ROUND_LO = new Int32Array(ROUNDS * 8 * 256);
buildRoundTables();

function buildRoundTables(): void {
  let cd = PC1.map((bit) => bit - 1);
  for (let round = 0; round < ROUNDS; round++) {
    const shift = SHIFTS[round];
    const c = cd.slice(0, 28);
    const d = cd.slice(28);
    cd = [...c.slice(shift), ...c.slice(0, shift), ...d.slice(shift), ...d.slice(0, shift)];
    for (let j = 0; j < 48; j++) {
      const from = cd[PC2[j] - 1];
      const byte = from >> 3;
      const bit = 7 - (from & 7);
      for (let v = 0; v < 256; v++) {
        if (((v >> bit) & 1) === 0) continue;
        const at = (round * 8 + byte) * 256 + v;
        if (j < 24) ROUND_HI[at] |= 1 << (23 - j);
        else ROUND_LO[at] |= 1 << (47 - j);
      }
    }
  }
}

/** The 16 round keys of an 8-byte DES key (parity bits ignored), as 8 six-bit groups per round. */
export function desSchedule(key: Uint8Array, offset: number): Int32Array {
  const schedule = new Int32Array(ROUNDS * 8);
  for (let round = 0; round < ROUNDS; round++) {
    let hi = 0;
    let lo = 0;
    for (let byte = 0; byte < 8; byte++) {
      const at = (round * 8 + byte) * 256 + key[offset + byte];
      hi |= ROUND_HI[at];
      lo |= ROUND_LO[at];
    }
    const k = round * 8;
    schedule[k] = hi >>> 18;
    schedule[k + 1] = (hi >>> 12) & 0x3f;
    schedule[k + 2] = (hi >>> 6) & 0x3f;
    schedule[k + 3] = hi & 0x3f;
    schedule[k + 4] = lo >>> 18;
    schedule[k + 5] = (lo >>> 12) & 0x3f;
    schedule[k + 6] = (lo >>> 6) & 0x3f;
    schedule[k + 7] = lo & 0x3f;
  }
  return schedule;
}

/**
 * One DES block operation in place on `block[at…at+7]`: encryption with the round keys in order,
 * decryption in reverse.
 */
export function desBlock(schedule: Int32Array, decrypt: boolean, block: Uint8Array, at: number): void {
  let l = 0;
  let r = 0;
  for (let i = 0; i < 8; i++) {
    const k = i * 256 + block[at + i];
    l |= IP_HI[k];
    r |= IP_LO[k];
  }
  for (let round = 0; round < ROUNDS; round++) {
    const k = (decrypt ? ROUNDS - 1 - round : round) * 8;
    // E expansion: group g takes bits 4g … 4g+5 of R (1-based, wrapping 0 → 32 and 33 → 1).
    const f =
      SP[(((r & 1) << 5) | (r >>> 27)) ^ schedule[k]] |
      SP[64 + (((r >>> 23) & 0x3f) ^ schedule[k + 1])] |
      SP[128 + (((r >>> 19) & 0x3f) ^ schedule[k + 2])] |
      SP[192 + (((r >>> 15) & 0x3f) ^ schedule[k + 3])] |
      SP[256 + (((r >>> 11) & 0x3f) ^ schedule[k + 4])] |
      SP[320 + (((r >>> 7) & 0x3f) ^ schedule[k + 5])] |
      SP[384 + (((r >>> 3) & 0x3f) ^ schedule[k + 6])] |
      SP[448 + ((((r << 1) | (r >>> 31)) & 0x3f) ^ schedule[k + 7])];
    const next = l ^ f;
    l = r;
    r = next;
  }
  // The last round does not swap: the pre-output is R16 ‖ L16.
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 4; i++) {
    const k = i * 256 + ((r >>> (24 - 8 * i)) & 0xff);
    const m = (i + 4) * 256 + ((l >>> (24 - 8 * i)) & 0xff);
    hi |= FP_HI[k] | FP_HI[m];
    lo |= FP_LO[k] | FP_LO[m];
  }
  block[at] = hi >>> 24;
  block[at + 1] = hi >>> 16;
  block[at + 2] = hi >>> 8;
  block[at + 3] = hi;
  block[at + 4] = lo >>> 24;
  block[at + 5] = lo >>> 16;
  block[at + 6] = lo >>> 8;
  block[at + 7] = lo;
}
