// The host end of the ACR30 serial line: one command in flight (the reader is a strict master/slave
// device), unsolicited messages accepted at any moment, and recovery with NOT ACKNOWLEDGE in both
// directions (acr30-serial.md §1.5, §1.6, §1.9). Event-driven: a reply is handled the moment its
// ETX arrives; the only timers are the reply time-outs and the short quiet wait of a resync.
//
// Pairing rule: once the host has given up waiting or asked again (a time-out, a resend, any NAK of
// ours, a stray reply), it no longer knows how many replies are still on their way, so the line is
// out of step; before the next command it waits for a quiet line and sends GET_ACR_STAT, dropping
// every frame until that status arrives. The reader answers strictly in order (§1.11), so every late
// reply is read and dropped before the next command goes out. Besides, a reply must have the shape
// its command allows (replyFits, §1.7); one that does not is dropped with a 'line-warning'.
import { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
import { formatSw } from '../apdu/status-word';
import { ReaderError } from '../reader/reader-error';
import { decodeResponse, encodeCommand, type AcrResponse } from './acr30-frame';
import { INS, isReaderSuccess, replyFits, UNSOLICITED, UNSOLICITED_SW1 } from './acr30-commands';
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

/**
 * A frame the link read and dropped because it cannot be the answer to the command in flight. It
 * carries the reply's reader status and length, never its data (which may hold a MAC).
 */
export interface LineWarning {
  code: 'reply_discarded';
  reason:
    /** No command was waiting for a reply. */
    | 'nothing_in_flight'
    /** Its shape does not fit the command in flight (replyFits). */
    | 'does_not_fit'
    /** It came while the link was resynchronising: a late reply to a command given up on. */
    | 'before_resync';
  /** The INS whose answer the link was waiting for (01h while resynchronising), or null. */
  awaitingIns: number | null;
  /** The dropped reply's reader SW1 SW2, e.g. "9000". */
  status: string;
  /** The dropped reply's data length. */
  length: number;
  detail: string;
}

export interface LinkEvents {
  unsolicited: [kind: UnsolicitedKind, data: Buffer];
  vanished: [error: ReaderError];
  'line-warning': [warning: LineWarning];
}

export interface LinkOptions {
  path: string;
  baudRate: number;
  /** How many NAKs (or resends) one command may use before it fails. Default 3. */
  retries?: number;
}

interface InFlight {
  ins: number;
  /** The command's data, to judge whether a reply fits it. */
  data: Buffer;
  wire: Buffer;
  /**
   * 'probe' = the GET_ACR_STAT of a resync: only a reader status answers it, everything else is
   * dropped, and it is never sent again nor NAKed on silence (either could add a reply).
   */
  role: 'command' | 'probe';
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
  /** Replies dropped because they could not answer the command in flight (see LineWarning). */
  repliesDiscarded: number;
  /** GET_ACR_STAT probes sent to bring the line back in step. */
  resyncs: number;
}

/**
 * How long the line must be silent before a resync's GET_ACR_STAT goes out: late replies that are
 * already on their way land before it, so a stale reader status cannot be taken for the probe's.
 */
const QUIET_BEFORE_RESYNC_MS = 50;

export class Acr30Link extends EventEmitter<LinkEvents> {
  readonly counters: LinkCounters = {
    bytesSent: 0,
    bytesReceived: 0,
    naksSent: 0,
    naksReceived: 0,
    noiseBytes: 0,
    repliesDiscarded: 0,
    resyncs: 0,
  };
  private readonly decoder = new AcrLineDecoder();
  private inFlight: InFlight | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** Binary bytes of the last good reply: the one the reader repeats on NAK. */
  private lastReply: Buffer | null = null;
  /** False once a reply may still be on its way for a command no longer in flight (see the pairing rule). */
  private inStep = true;
  /** The longest reply wait among the commands given up since the line was last in step. */
  private givenUpWaitMs = 0;
  private lastByteAt = 0;
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
    const run = this.queue.then(() => this.send(ins, data, wire, policy));
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

  private async send(ins: number, data: Buffer, wire: Buffer, policy: CommandPolicy): Promise<AcrResponse> {
    this.assertOpen(ins);
    if (!this.inStep) await this.resynchronise(ins, policy);
    this.assertOpen(ins);
    return this.transact({ ins, data, wire, policy, role: 'command' });
  }

  private assertOpen(ins: number): void {
    if (this.gone) {
      throw new ReaderError(this.gone.code, `INS ${hex(ins)} not sent: ${this.gone.detail}`, 'not_sent');
    }
  }

  private transact(c: Pick<InFlight, 'ins' | 'data' | 'wire' | 'policy' | 'role'>): Promise<AcrResponse> {
    return new Promise<AcrResponse>((resolve, reject) => {
      this.inFlight = { ...c, resolve, reject, timer: null, naks: 0, resends: 0, askedAfterSilence: false };
      this.write(c.wire);
      this.arm();
    });
  }

  /**
   * Brings the line back in step before command `ins` goes out: waits for a quiet line, then sends
   * GET_ACR_STAT and drops every frame until a reader status answers it. It waits as long as the
   * command given up on could have been waited for with all its retries (the reader may still be
   * busy with it: CTS low means "still working", §1.9). If no status comes, `ins` fails unsent and
   * the next command tries again.
   */
  private async resynchronise(ins: number, policy: CommandPolicy): Promise<void> {
    const budgetMs = (this.retries + 1) * Math.max(policy.timeoutMs, this.givenUpWaitMs);
    const deadline = Date.now() + budgetMs;
    // Wait for a quiet line; one that never falls silent within the budget is left to the probe.
    for (;;) {
      const quietIn = this.lastByteAt + QUIET_BEFORE_RESYNC_MS - Date.now();
      const budgetLeft = deadline - Date.now();
      if (quietIn <= 0 || budgetLeft <= 0 || this.gone) break;
      await new Promise((r) => setTimeout(r, Math.min(quietIn, budgetLeft)));
    }
    this.assertOpen(ins);
    this.counters.resyncs += 1;
    const probe = Buffer.alloc(0);
    try {
      await this.transact({
        ins: INS.GET_ACR_STAT,
        data: probe,
        wire: toWire(encodeCommand({ ins: INS.GET_ACR_STAT, data: probe })),
        policy: { timeoutMs: budgetMs, repeatable: false },
        role: 'probe',
      });
    } catch (err) {
      const e = err instanceof ReaderError ? err : new ReaderError('malformed_response', String(err));
      throw new ReaderError(
        e.code,
        `INS ${hex(ins)} not sent: the line to the ACR30 on ${this.path} could not be brought back in step after a lost reply (${e.detail})`,
        'not_sent',
        e.status,
      );
    }
    this.inStep = true;
    this.givenUpWaitMs = 0;
  }

  /** From now until the next resync, a reply may be on its way that belongs to no command in flight. */
  private outOfStep(waitMs: number): void {
    this.inStep = false;
    this.givenUpWaitMs = Math.max(this.givenUpWaitMs, waitMs);
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
    // Whatever happens next, the reply we stopped waiting for may still come.
    this.outOfStep(f.policy.timeoutMs);
    if (f.role === 'probe') {
      this.settle({
        error: new ReaderError('timeout', `no reader status within ${f.policy.timeoutMs} ms`, 'not_sent'),
      });
      return;
    }
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
    // A probe never asks again: the reader's "last reply" may be a stale one, and silence resolves it.
    if (f.role === 'probe') return;
    // The damaged frame may not have been this command's reply (a garbled unsolicited message): its
    // real reply could still follow the repeat.
    this.outOfStep(f.policy.timeoutMs);
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
    this.lastByteAt = Date.now();
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
    if (!f) {
      this.discard(reply, null, 'nothing_in_flight', 'no command was waiting for a reply');
      this.outOfStep(0);
      return;
    }
    const fit = replyFits(f.ins, f.data, reply);
    if (f.role === 'probe') {
      // Only a reader status answers the probe; anything else is a late reply to an older command.
      if (!fit.fits || !isReaderSuccess(reply.sw1)) {
        this.discard(reply, f.ins, 'before_resync', 'a late reply to a command given up on, read while resynchronising');
        return;
      }
      this.settle({ reply, bytes });
      return;
    }
    if (!fit.fits) {
      this.discard(reply, f.ins, 'does_not_fit', `it cannot answer INS ${hex(f.ins)}: ${fit.why}`);
      this.outOfStep(f.policy.timeoutMs);
      return;
    }
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

  private discard(reply: AcrResponse, awaitingIns: number | null, reason: LineWarning['reason'], why: string): void {
    this.counters.repliesDiscarded += 1;
    const status = formatSw((reply.sw1 << 8) | reply.sw2);
    this.emit('line-warning', {
      code: 'reply_discarded',
      reason,
      awaitingIns,
      status,
      length: reply.data.length,
      detail: `The ACR30 on ${this.path} sent a reply (status ${status}, ${reply.data.length} data bytes) that was dropped: ${why}`,
    });
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
