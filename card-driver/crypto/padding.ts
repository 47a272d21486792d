import { BLOCK_BYTES } from './secret-key';

/** ISO/IEC 9797-1 padding method 2: append 80, then 00 up to a multiple of 8 (always at least one byte). */
export function pad2(message: Uint8Array): Buffer {
  const length = (Math.floor(message.length / BLOCK_BYTES) + 1) * BLOCK_BYTES;
  const out = Buffer.alloc(length);
  out.set(message, 0);
  out[message.length] = 0x80;
  return out;
}
