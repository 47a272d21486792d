// The ACR30 serial line (acr30-serial.md §1.2, §1.5): every message is STX, its bytes as upper-case
// hex text, ETX — except NOT ACKNOWLEDGE, the two raw bytes 05 05. The decoder is a byte-at-a-time
// state machine fed by whatever chunks the port delivers, so split frames, glued frames and line
// noise all land in one place. It never throws on input.
import { MAX_DATA } from './acr30-frame';

export const STX = 0x02;
export const ETX = 0x03;
const NAK_BYTE = 0x05;
export const NAK = Buffer.from([NAK_BYTE, NAK_BYTE]);

/** Longest legal message: header, two status bytes, 3-byte length, data, checksum; as hex. */
const MAX_HEX_CHARS = 2 * (1 + 2 + 3 + MAX_DATA + 1);

export type LineEvent =
  /** The bytes between STX and ETX, hex-decoded. Not yet checked as a command or response. */
  | { kind: 'frame'; bytes: Buffer }
  | { kind: 'nak' }
  /** Something began with STX but cannot be a message; the sender should be asked again. */
  | { kind: 'bad-frame'; reason: 'bad_hex' | 'odd_hex' | 'too_long' | 'interrupted' }
  /** Bytes outside any frame (line noise, a lone 05); ignored by both ends. */
  | { kind: 'noise'; count: number };

export function toWire(message: Buffer): Buffer {
  const hex = message.toString('hex').toUpperCase();
  const out = Buffer.allocUnsafe(hex.length + 2);
  out[0] = STX;
  out.write(hex, 1, 'latin1');
  out[out.length - 1] = ETX;
  return out;
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x41 + 10; // 'A'-'F'
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10; // 'a'-'f': the reader accepts either case
  return -1;
}

export class AcrLineDecoder {
  private state: 'idle' | 'frame' | 'skip' | 'nak1' = 'idle';
  private hex: number[] = [];
  private noise = 0;
  private skipReason: 'bad_hex' | 'too_long' = 'bad_hex';

  push(chunk: Uint8Array): LineEvent[] {
    const events: LineEvent[] = [];
    for (const byte of chunk) this.step(byte, events);
    this.flushNoise(events);
    return events;
  }

  private flushNoise(events: LineEvent[]): void {
    if (this.noise > 0) {
      events.push({ kind: 'noise', count: this.noise });
      this.noise = 0;
    }
  }

  private step(byte: number, events: LineEvent[]): void {
    switch (this.state) {
      case 'nak1':
        if (byte === NAK_BYTE) {
          this.flushNoise(events);
          events.push({ kind: 'nak' });
          this.state = 'idle';
          return;
        }
        this.noise += 1; // the lone 05 before this byte
        this.state = 'idle';
        this.step(byte, events);
        return;
      case 'idle':
        if (byte === STX) this.startFrame(events);
        else if (byte === NAK_BYTE) this.state = 'nak1';
        else this.noise += 1;
        return;
      case 'skip':
        // A broken frame: wait for its ETX (or a new STX) before listening again.
        if (byte === ETX) {
          events.push({ kind: 'bad-frame', reason: this.skipReason });
          this.state = 'idle';
        } else if (byte === STX) {
          events.push({ kind: 'bad-frame', reason: this.skipReason });
          this.startFrame(events);
        }
        return;
      case 'frame':
        if (byte === ETX) this.endFrame(events);
        else if (byte === STX) {
          events.push({ kind: 'bad-frame', reason: 'interrupted' });
          this.startFrame(events);
        } else if (hexValue(byte) < 0) {
          this.skip('bad_hex');
        } else if (this.hex.length >= MAX_HEX_CHARS) {
          this.skip('too_long');
        } else {
          this.hex.push(byte);
        }
        return;
    }
  }

  private startFrame(events: LineEvent[]): void {
    this.flushNoise(events);
    this.state = 'frame';
    this.hex = [];
  }

  private skip(reason: 'bad_hex' | 'too_long'): void {
    this.state = 'skip';
    this.skipReason = reason;
    this.hex = [];
  }

  private endFrame(events: LineEvent[]): void {
    this.state = 'idle';
    const hex = this.hex;
    this.hex = [];
    if (hex.length % 2 !== 0) {
      events.push({ kind: 'bad-frame', reason: 'odd_hex' });
      return;
    }
    const bytes = Buffer.allocUnsafe(hex.length / 2);
    for (let i = 0; i < bytes.length; i += 1) bytes[i] = (hexValue(hex[2 * i]) << 4) | hexValue(hex[2 * i + 1]);
    events.push({ kind: 'frame', bytes });
  }
}
