import { ApduError } from './apdu-error';
import { MAX_SHORT_NE } from './command-apdu';
import { statusOf, type Status } from './status-word';

export interface ResponseApdu {
  data: Buffer;
  sw: number;
  status: Status;
}

export function parseResponse(bytes: Uint8Array): ResponseApdu {
  if (bytes.length < 2) throw new ApduError('response_too_short', `A response APDU ends in two status bytes; got ${bytes.length} bytes.`);
  if (bytes.length > MAX_SHORT_NE + 2) {
    throw new ApduError('response_too_long', `A short response carries at most ${MAX_SHORT_NE} data bytes; got ${bytes.length - 2}.`);
  }
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const sw = b.readUInt16BE(b.length - 2);
  return { data: Buffer.from(b.subarray(0, b.length - 2)), sw, status: statusOf(sw) };
}

export function encodeResponse(data: Uint8Array, sw: number): Buffer {
  const out = Buffer.alloc(data.length + 2);
  out.set(data, 0);
  out.writeUInt16BE(sw, data.length);
  return out;
}
