// Key derivations of spec §2: card/SAM/Transfer-card keys (EMV option A style) and session keys
// (EMV common session key style).
import { CryptoError, KEY_BYTES, SecretKey } from './secret-key';

/** DIV(MK, D) = odd(3DES(MK, D) ‖ 3DES(MK, D xor FF…FF)), D 8 bytes. */
export function diversify(master: SecretKey, diversifier: Uint8Array, label: string): SecretKey {
  if (diversifier.length !== 8) {
    throw new CryptoError('block_length', `A key diversifier is 8 bytes; got ${diversifier.length}.`);
  }
  const input = Buffer.alloc(KEY_BYTES);
  for (let i = 0; i < 8; i++) {
    input[i] = diversifier[i];
    input[8 + i] = diversifier[i] ^ 0xff;
  }
  return master.deriveOddParity(input, label);
}

/** SK(K, ATC) = odd(3DES(K, ATC‖F0‖00×5) ‖ 3DES(K, ATC‖0F‖00×5)). */
export function sessionKey(cardKey: SecretKey, atc: number): SecretKey {
  return cardKey.deriveOddParity(sessionKeyInput(atc, Buffer.alloc(KEY_BYTES)), `${cardKey.label}/SK`, 'session');
}

/** The 16 bytes SK(K, ATC) enciphers, ATC‖F0‖00×5 ‖ ATC‖0F‖00×5, written into `out` (16 bytes). */
export function sessionKeyInput(atc: number, out: Buffer): Buffer {
  if (!Number.isInteger(atc) || atc < 0 || atc > 0xffff) {
    throw new CryptoError('atc_range', `An ATC is a 2-byte counter 0..65535; got ${atc}.`);
  }
  if (out.length !== KEY_BYTES) throw new CryptoError('block_length', 'A derivation input is two blocks (16 bytes).');
  out.fill(0);
  out[0] = out[8] = atc >> 8;
  out[1] = out[9] = atc & 0xff;
  out[2] = 0xf0;
  out[10] = 0x0f;
  return out;
}

/**
 * MAC(SK(K, ATC), M) for a message given as its whole blocks before the last (`head`) and its
 * padded last block: the same bytes as retailMac(sessionKey(K, ATC), M), without a session key
 * object (the settlement verifier's per-record path; see SecretKey.sessionMac).
 */
export function sessionRetailMac(cardKey: SecretKey, atc: number, head: Buffer, lastBlock: Buffer): Buffer {
  return cardKey.sessionMac(sessionKeyInput(atc, SESSION_INPUT), head, lastBlock);
}

// Scratch for sessionRetailMac: the input is not secret, and the call is synchronous.
const SESSION_INPUT = Buffer.alloc(KEY_BYTES);
