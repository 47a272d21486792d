// A pseudo-terminal moves bytes at memory speed; a real RS-232 line at 8N1 moves one byte per
// 10 bit times. The simulator runs both of its directions through a WirePacer so that the host sees
// each byte no earlier than a real ACR30 could have delivered it.
import { performance } from 'node:perf_hooks';

/** Start bit + 8 data bits + stop bit. */
export const BITS_PER_BYTE = 10;
/**
 * Bytes handed over together. Each hand-over is a write through the pty and socat, which costs far
 * more than the 87 µs a byte takes at 115200 bps, so chunks are kept large: most ACR30 frames go in
 * one piece, at the moment their last byte would have arrived.
 */
const CHUNK_BYTES = 64;

export function wireTimeMs(bytes: number, baud: number): number {
  return (bytes * BITS_PER_BYTE * 1000) / baud;
}

/**
 * Runs `fn` at `due` (performance.now() milliseconds). setTimeout alone is late by a millisecond or
 * more, which at 115200 bps is over 10 bytes, so the last stretch is spun out with setImmediate.
 */
export function runAt(due: number, fn: () => void): void {
  const wait = due - performance.now();
  if (wait > 2) setTimeout(() => runAt(due, fn), wait - 1.5);
  else if (wait > 0) setImmediate(() => runAt(due, fn));
  else fn();
}

interface Scheduled {
  due: number;
  chunk: Buffer;
  deliver: (chunk: Buffer) => void;
  done?: () => void;
}

export class WirePacer {
  /** When the line finishes the bytes already scheduled on it. */
  private freeAt = 0;
  /** In due order; one pump delivers them, so chunks can never overtake each other. */
  private readonly queue: Scheduled[] = [];
  private pumping = false;

  constructor(
    private baud: number,
    /** False: no pacing at all (bytes pass at memory speed). */
    private readonly paced: boolean,
  ) {
    this.setBaud(baud);
  }

  /** Takes effect for bytes carried from now on. */
  setBaud(baud: number): void {
    if (!(baud > 0)) throw new RangeError(`baud must be positive, got ${baud}`);
    this.baud = baud;
  }

  get baudRate(): number {
    return this.baud;
  }

  /**
   * Delivers `bytes` through `deliver` in chunks, each at the moment its last byte would have crossed
   * the line, the first byte leaving no earlier than `notBefore`. Resolves when the last chunk is
   * delivered.
   */
  carry(bytes: Buffer, deliver: (chunk: Buffer) => void, notBefore = 0): Promise<void> {
    if (!this.paced || bytes.length === 0) {
      if (bytes.length > 0) deliver(bytes);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      let at = Math.max(performance.now(), this.freeAt, notBefore);
      for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
        const chunk = bytes.subarray(offset, offset + CHUNK_BYTES);
        at += wireTimeMs(chunk.length, this.baud);
        const last = offset + CHUNK_BYTES >= bytes.length;
        this.queue.push({ due: at, chunk, deliver, done: last ? resolve : undefined });
      }
      this.freeAt = at;
      this.pump();
    });
  }

  private pump(): void {
    if (this.pumping) return;
    const head = this.queue[0];
    if (!head) return;
    this.pumping = true;
    runAt(head.due, () => {
      this.queue.shift();
      this.pumping = false;
      head.deliver(head.chunk);
      head.done?.();
      this.pump();
    });
  }
}

/**
 * The receiving side of a paced line, as a clock only: bytes are decoded the moment they come, and
 * `doneAt` says when the last of them would really have arrived. The reply is then scheduled from
 * that instant, so the reader's timing is the line's while it sleeps only once per command.
 */
export class ArrivalClock {
  private freeAt = 0;

  constructor(
    private baud: number,
    private readonly paced: boolean,
  ) {}

  setBaud(baud: number): void {
    if (!(baud > 0)) throw new RangeError(`baud must be positive, got ${baud}`);
    this.baud = baud;
  }

  /** Records `bytes` arriving now; returns when their last byte would have crossed the line. */
  arrive(bytes: number): number {
    if (!this.paced) return 0;
    this.freeAt = Math.max(performance.now(), this.freeAt) + wireTimeMs(bytes, this.baud);
    return this.freeAt;
  }

  get doneAt(): number {
    return this.paced ? this.freeAt : 0;
  }
}
