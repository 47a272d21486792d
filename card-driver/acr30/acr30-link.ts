// The host end of the ACR30 serial line: one command in flight (the reader is a strict master/slave
// device), unsolicited messages accepted at any moment, and recovery with NOT ACKNOWLEDGE in both
// directions (acr30-serial.md §1.5, §1.6, §1.9). Event-driven: a reply is handled the moment its
// ETX arrives; the only timers are the reply time-outs.
import { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
import { ReaderError } from '../reader/reader-error';
import { decodeResponse, encodeCommand, type AcrResponse } from './acr30-frame';
import { UNSOLICITED, UNSOLICITED_SW1 } from './acr30-commands';
import { AcrLineDecoder, NAK, toWire, type LineEvent } from './acr30-line';

export interface CommandPolicy {
  timeoutMs: number;
  /**
   * True when sending the command twice is harmless (reader control commands). EXCHANGE_APDU is
   * never repeatable: it may carry a purse credit or debit, so a lost reply is fetched with NAK.
   */
  repeatable: boolean;
}

export type UnsolicitedKind = 'reset' | 'card-inserted' | 'card-removed';

export interface LinkEvents {
  unsolicited: [kind: UnsolicitedKind, data: Buffer];
  vanished: [error: ReaderError];
}

export interface LinkOptions {
  path: string;
  baudRate: number;
  /** How many NAKs (or resends) one command may use before it fails. Default 3. */
  retries?: number;
}

interface InFlight {
  ins: number;
  wire: Buffer;
  policy: CommandPolicy;
  resolve: (r: AcrResponse) => void;
  reject: (e: ReaderError) => void;
  timer: NodeJS.Timeout | null;
  /** NAKs we sent for this command (corrupt or missing reply). */
  naks: number;
  /** Times we sent the command itself again (the reader NAKed it, or a repeatable command timed out). */
  resends: number;
  /** A NAK went out because nothing came: the reader may repeat the *previous* reply instead. */
  askedAfterSilence: boolean;
}

export interface LinkCounters {
  bytesSent: number;
  bytesReceived: number;
  naksSent: number;
  naksReceived: number;
  noiseBytes: number;
}

/** Waited out after a recovery that followed silence, so a late duplicate reply cannot be taken for the next one. */
const QUIET_AFTER_RECOVERY_MS = 50;

export class Acr30Link extends EventEmitter<LinkEvents> {
  readonly counters: LinkCounters = { bytesSent: 0, bytesReceived: 0, naksSent: 0, naksReceived: 0, noiseBytes: 0 };
  private readonly decoder = new AcrLineDecoder();
  private inFlight: InFlight | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** Binary bytes of the last good reply: the one the reader repeats on NAK. */
  private lastReply: Buffer | null = null;
  private quietUntil = 0;
  private gone: ReaderError | null = null;
  private readonly retries: number;

  private constructor(
    private readonly port: SerialPort,
    readonly path: string,
    retries: number,
  ) {
    super();
    this.retries = retries;
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    port.on('close', (err?: Error & { disconnected?: boolean }) => {
      const detail = err?.disconnected ? 'was unplugged' : 'was closed';
      this.vanish(new ReaderError('reader_vanished', `The ACR30 on ${path} ${detail}`));
    });
    port.on('error', (err: Error) =>
      this.vanish(new ReaderError('reader_vanished', `The ACR30 on ${path} failed: ${err.message}`)),
    );
  }

  static open(options: LinkOptions): Promise<Acr30Link> {
    const retries = options.retries ?? 3;
    if (!Number.isInteger(retries) || retries < 0) throw new RangeError(`retries must be >= 0, got ${retries}`);
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path: options.path, baudRate: options.baudRate, autoOpen: false });
      port.open((err) => {
        if (err) {
          reject(
            new ReaderError('reader_unavailable', `Cannot open serial port ${options.path}: ${err.message}`, 'not_sent'),
          );
          return;
        }
        // Bytes that sat in the input queue belong to nobody (Fullmer's driver flushes for the same reason).
        port.flush(() => resolve(new Acr30Link(port, options.path, retries)));
      });
    });
  }

  get vanished(): ReaderError | null {
    return this.gone;
  }

  /** Sends one command and resolves with the reader's reply (any reader status; the caller judges it). */
  command(ins: number, data: Buffer, policy: CommandPolicy): Promise<AcrResponse> {
    if (!(policy.timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${policy.timeoutMs}`);
    const wire = toWire(encodeCommand({ ins, data }));
    const run = this.queue.then(() => this.send(ins, wire, policy));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Changes the local line speed; the reader's own speed is changed with SET_PROTOCOL first. */
  setLineSpeed(baudRate: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.port.update({ baudRate }, (err) =>
        err
          ? reject(new ReaderError('reader_refused', `Cannot set ${this.path} to ${baudRate} bps: ${err.message}`))
          : resolve(),
      );
    });
  }

  get baudRate(): number {
    return this.port.baudRate;
  }

  close(): Promise<void> {
    if (!this.port.isOpen) return Promise.resolve();
    this.gone ??= new ReaderError('closed', `The ACR30 on ${this.path} was closed by its owner`, 'not_sent');
    return new Promise((resolve) => this.port.close(() => resolve()));
  }

  private async send(ins: number, wire: Buffer, policy: CommandPolicy): Promise<AcrResponse> {
    const wait = this.quietUntil - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (this.gone) {
      throw new ReaderError(this.gone.code, `Command not sent: ${this.gone.detail}`, 'not_sent');
    }
    return new Promise<AcrResponse>((resolve, reject) => {
      this.inFlight = { ins, wire, policy, resolve, reject, timer: null, naks: 0, resends: 0, askedAfterSilence: false };
      this.write(wire);
      this.arm();
    });
  }

  private write(bytes: Buffer): void {
    this.counters.bytesSent += bytes.length;
    this.port.write(bytes);
  }

  private arm(): void {
    const f = this.inFlight;
    if (!f) return;
    if (f.timer) clearTimeout(f.timer);
    f.timer = setTimeout(() => this.onSilence(), f.policy.timeoutMs);
  }

  private settle(outcome: { reply: AcrResponse; bytes: Buffer } | { error: ReaderError }): void {
    const f = this.inFlight;
    if (!f) return;
    this.inFlight = null;
    if (f.timer) clearTimeout(f.timer);
    if (f.askedAfterSilence) this.quietUntil = Date.now() + QUIET_AFTER_RECOVERY_MS;
    if ('error' in outcome) {
      f.reject(outcome.error);
    } else {
      this.lastReply = outcome.bytes;
      f.resolve(outcome.reply);
    }
  }

  private onSilence(): void {
    const f = this.inFlight;
    if (!f) return;
    const tries = f.naks + f.resends;
    if (tries >= this.retries) {
      this.settle({
        error: new ReaderError(
          'timeout',
          `The ACR30 on ${this.path} gave no reply to INS ${hex(f.ins)} within ${f.policy.timeoutMs} ms (${tries} retries)`,
        ),
      });
      return;
    }
    if (f.policy.repeatable) {
      f.resends += 1;
      this.write(f.wire);
    } else {
      f.naks += 1;
      f.askedAfterSilence = true;
      this.counters.naksSent += 1;
      this.write(NAK);
    }
    this.arm();
  }

  /** A reply came but is unreadable: ask the reader to repeat it (§1.5), never the command. */
  private askAgain(why: string): void {
    const f = this.inFlight;
    if (!f) return;
    if (f.naks >= this.retries) {
      this.settle({
        error: new ReaderError('malformed_response', `The ACR30 on ${this.path} kept sending ${why} to INS ${hex(f.ins)}`),
      });
      return;
    }
    f.naks += 1;
    this.counters.naksSent += 1;
    this.write(NAK);
    this.arm();
  }

  private onData(chunk: Buffer): void {
    this.counters.bytesReceived += chunk.length;
    for (const event of this.decoder.push(chunk)) this.onLineEvent(event);
  }

  private onLineEvent(event: LineEvent): void {
    switch (event.kind) {
      case 'noise':
        this.counters.noiseBytes += event.count;
        return;
      case 'nak':
        this.counters.naksReceived += 1;
        this.onReaderNak();
        return;
      case 'bad-frame':
        this.askAgain(`an unreadable frame (${event.reason})`);
        return;
      case 'frame':
        this.onFrame(event.bytes);
        return;
    }
  }

  /** The reader found a length or checksum error in our command and discarded it: resending is safe. */
  private onReaderNak(): void {
    const f = this.inFlight;
    if (!f) return;
    if (f.resends >= this.retries) {
      this.settle({
        error: new ReaderError(
          'malformed_response',
          `The ACR30 on ${this.path} refused INS ${hex(f.ins)} as corrupt ${f.resends + 1} times`,
          'not_sent',
        ),
      });
      return;
    }
    f.resends += 1;
    this.write(f.wire);
    this.arm();
  }

  private onFrame(bytes: Buffer): void {
    const decoded = decodeResponse(bytes);
    if (!decoded.ok) {
      this.askAgain(`a reply with ${decoded.fault.replace('_', ' ')}`);
      return;
    }
    const reply = decoded.value;
    if (reply.sw1 === UNSOLICITED_SW1) {
      this.onUnsolicited(reply);
      return;
    }
    const f = this.inFlight;
    if (!f) return; // a late duplicate after a recovery: nobody asked for it
    if (f.askedAfterSilence && this.lastReply && bytes.equals(this.lastReply)) {
      // The reader may never have seen this command and just repeated the previous reply.
      if (f.policy.repeatable && f.resends < this.retries) {
        f.resends += 1;
        f.askedAfterSilence = false;
        this.write(f.wire);
        this.arm();
        return;
      }
      this.settle({
        error: new ReaderError(
          'outcome_unknown',
          `The ACR30 on ${this.path} did not answer INS ${hex(f.ins)}, and on NAK repeated the previous reply`,
        ),
      });
      return;
    }
    this.settle({ reply, bytes });
  }

  private onUnsolicited(message: AcrResponse): void {
    const kind: UnsolicitedKind | undefined =
      message.sw2 === UNSOLICITED.RESET
        ? 'reset'
        : message.sw2 === UNSOLICITED.CARD_INSERTED
          ? 'card-inserted'
          : message.sw2 === UNSOLICITED.CARD_REMOVED
            ? 'card-removed'
            : undefined;
    if (!kind) return;
    if (kind === 'reset' && this.inFlight) {
      this.settle({
        error: new ReaderError('reader_reset', `The ACR30 on ${this.path} reset itself during INS ${hex(this.inFlight.ins)}`),
      });
    }
    this.emit('unsolicited', kind, message.data);
  }

  private vanish(error: ReaderError): void {
    const owner = this.gone;
    if (owner && owner.code !== 'closed') return; // already vanished
    if (owner) {
      this.settle({ error: owner });
      return;
    }
    this.gone = error;
    this.settle({ error });
    this.emit('vanished', error);
  }
}

function hex(ins: number): string {
  return ins.toString(16).toUpperCase().padStart(2, '0') + 'h';
}
