// An ACS ACR30S on a serial port, as a CardReader: reader control (status, card type, line speed,
// notifications, power) and the card connection whose APDUs travel in EXCHANGE_APDU.
import { EventEmitter } from 'node:events';
import type { CardConnection, CardReader, CardReaderEvents } from '../reader/card-reader';
import { ReaderError } from '../reader/reader-error';
import {
  baudCode,
  CARD_TYPE,
  describeReaderStatus,
  HARDWARE_BAUD,
  INS,
  isReaderSuccess,
  NOTIFY_OFF,
  NOTIFY_ON,
  parseAcrStat,
  READER_CARD_UNPOWERED,
  READER_NO_CARD,
  wrapForExchange,
  type AcrBaud,
  type AcrStat,
} from './acr30-commands';
import type { AcrResponse } from './acr30-frame';
import { Acr30Link, type LineWarning, type LinkCounters, type UnsolicitedKind } from './acr30-link';

export interface Acr30Timeouts {
  /** Reader control commands. Default 2 s (§1.9). */
  controlMs: number;
  /** RESET (card power-up and ATR). Default 5 s. */
  resetMs: number;
  /** EXCHANGE_APDU; purse commands write EEPROM. Default 10 s. */
  exchangeMs: number;
}

export interface Acr30ReaderOptions {
  path: string;
  /** The card protocol to select before RESET. The e-Smart card is T=1 (esmart-card.md §4). */
  protocol?: 'T=0' | 'T=1';
  /** Line speed to switch to after opening (SET_PROTOCOL); default stays at 9600. */
  baud?: AcrBaud;
  timeouts?: Partial<Acr30Timeouts>;
  /** NAKs or resends one command may use. Default 3. */
  retries?: number;
}

const DEFAULT_TIMEOUTS: Acr30Timeouts = { controlMs: 2000, resetMs: 5000, exchangeMs: 10_000 };

export class Acr30Reader extends EventEmitter<CardReaderEvents> implements CardReader {
  readonly name: string;
  private present = false;
  private connection: Acr30CardConnection | null = null;
  private readonly timeouts: Acr30Timeouts;
  private readonly protocol: 'T=0' | 'T=1';

  private constructor(
    private readonly link: Acr30Link,
    options: Acr30ReaderOptions,
  ) {
    super();
    this.name = `ACR30 ${options.path}`;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.protocol = options.protocol ?? 'T=1';
    link.on('unsolicited', (kind) => this.onUnsolicited(kind));
    link.on('vanished', (error) => {
      this.present = false;
      this.connection?.invalidate(error);
      this.emit('reader-vanished', error);
    });
  }

  /**
   * Opens the port at the hardware speed, reads the reader status, turns card notifications on and,
   * if asked, switches the line speed. Rejects with `reader_unavailable` when the port cannot be
   * opened or nothing answers there.
   */
  static async open(options: Acr30ReaderOptions): Promise<Acr30Reader> {
    for (const [k, v] of Object.entries(options.timeouts ?? {})) {
      if (!(typeof v === 'number' && v > 0)) throw new RangeError(`timeouts.${k} must be positive, got ${String(v)}`);
    }
    const link = await Acr30Link.open({ path: options.path, baudRate: HARDWARE_BAUD, retries: options.retries });
    const reader = new Acr30Reader(link, options);
    try {
      // A reader that powers up as we open announces a reset, which cancels the first command.
      const stat = await reader.status().catch((err: unknown) => {
        if (err instanceof ReaderError && err.code === 'reader_reset') return reader.status();
        throw err;
      });
      reader.present = stat.cardState !== 'absent';
      await reader.control(INS.SET_NOTIFICATION, Buffer.from([NOTIFY_ON]));
      if (options.baud && options.baud !== HARDWARE_BAUD) await reader.setBaud(options.baud);
    } catch (err) {
      await link.close();
      if (err instanceof ReaderError && err.code === 'timeout') {
        throw new ReaderError('reader_unavailable', `No ACR30 answers on ${options.path}`, 'not_sent');
      }
      throw err;
    }
    return reader;
  }

  get cardPresent(): boolean {
    return this.present;
  }

  /**
   * Calls `listener` for every reply the line dropped because it could not answer the command in
   * flight (a late reply to a command given up on): log it as a warning; nothing is left to do.
   * Returns the unsubscribe function.
   */
  onLineWarning(listener: (warning: LineWarning) => void): () => void {
    this.link.on('line-warning', listener);
    return () => this.link.off('line-warning', listener);
  }

  get counters(): Readonly<LinkCounters> {
    return this.link.counters;
  }

  get baudRate(): number {
    return this.link.baudRate;
  }

  async status(): Promise<AcrStat> {
    const reply = await this.control(INS.GET_ACR_STAT, Buffer.alloc(0));
    const stat = parseAcrStat(reply.data);
    if (!stat) {
      throw new ReaderError('malformed_response', `GET_ACR_STAT answered ${reply.data.length} unreadable bytes`);
    }
    return stat;
  }

  /**
   * SET_PROTOCOL with a new line speed. The reply arrives at the old speed; then both ends switch and
   * GET_ACR_STAT proves the link. If that fails the host returns to 9600, where a reader that never
   * switched still listens.
   */
  async setBaud(baud: AcrBaud): Promise<void> {
    const previous = this.link.baudRate;
    await this.control(INS.SET_PROTOCOL, Buffer.from([0x00, baudCode(baud)]));
    await this.link.setLineSpeed(baud);
    try {
      await this.status();
    } catch (err) {
      await this.link.setLineSpeed(previous);
      throw err;
    }
  }

  async setNotification(on: boolean): Promise<void> {
    await this.control(INS.SET_NOTIFICATION, Buffer.from([on ? NOTIFY_ON : NOTIFY_OFF]));
  }

  async connect(): Promise<CardConnection> {
    if (this.link.vanished) throw this.link.vanished;
    if (this.connection?.open) return this.connection;
    const type = this.protocol === 'T=1' ? CARD_TYPE.MCU_T1 : CARD_TYPE.MCU_T0;
    await this.control(INS.SELECT_CARD_TYPE, Buffer.from([type]));
    const reply = await this.link.command(INS.RESET, Buffer.alloc(0), {
      timeoutMs: this.timeouts.resetMs,
      repeatable: true,
    });
    const sw = (reply.sw1 << 8) | reply.sw2;
    if (sw === READER_NO_CARD) {
      this.present = false;
      throw new ReaderError('no_card', `No card in ${this.name}`, 'not_sent', hex4(sw));
    }
    if (!isReaderSuccess(reply.sw1)) {
      throw new ReaderError('reader_refused', `${this.name} could not power the card: ${describeReaderStatus(sw)}`, 'not_sent', hex4(sw));
    }
    if (reply.data.length < 2) throw new ReaderError('malformed_response', `${this.name} returned no ATR`);
    this.present = true;
    this.connection = new Acr30CardConnection(this, reply.data, this.protocol, (apdu) => this.exchange(apdu));
    return this.connection;
  }

  /** Powers the card down (POWER_OFF). */
  async powerOff(): Promise<void> {
    this.connection?.invalidate(new ReaderError('closed', 'The card was powered off', 'not_sent'));
    if (this.link.vanished) return;
    await this.control(INS.POWER_OFF, Buffer.alloc(0));
  }

  /**
   * Releases the port. A raised line speed is set back to 9600 first (best effort): the next program
   * to open the port starts at the hardware speed and would not hear a reader left at 115200.
   */
  async close(): Promise<void> {
    this.connection?.invalidate(new ReaderError('closed', `${this.name} was closed`, 'not_sent'));
    if (!this.link.vanished && this.link.baudRate !== HARDWARE_BAUD) {
      await this.setBaud(HARDWARE_BAUD).catch(() => undefined);
    }
    await this.link.close();
  }

  private async control(ins: number, data: Buffer): Promise<AcrResponse> {
    const reply = await this.link.command(ins, data, { timeoutMs: this.timeouts.controlMs, repeatable: true });
    if (!isReaderSuccess(reply.sw1)) {
      const sw = (reply.sw1 << 8) | reply.sw2;
      throw new ReaderError('reader_refused', `${this.name} refused INS ${ins.toString(16)}: ${describeReaderStatus(sw)}`, 'not_sent', hex4(sw));
    }
    return reply;
  }

  private async exchange(apdu: Buffer): Promise<Buffer> {
    const wrapped = wrapForExchange(apdu);
    if (!wrapped.ok) throw new ReaderError('unsupported_command', `Cannot send this APDU: ${wrapped.reason}`, 'not_sent');
    const reply = await this.link.command(INS.EXCHANGE_APDU, wrapped.data, {
      timeoutMs: this.timeouts.exchangeMs,
      repeatable: false,
    });
    const sw = (reply.sw1 << 8) | reply.sw2;
    if (sw === READER_NO_CARD || sw === READER_CARD_UNPOWERED) {
      const error = new ReaderError('card_removed', `The card left ${this.name} during the command`, 'unknown', hex4(sw));
      this.connection?.invalidate(error);
      throw error;
    }
    if (!isReaderSuccess(reply.sw1)) {
      throw new ReaderError('reader_refused', `${this.name}: ${describeReaderStatus(sw)}`, 'unknown', hex4(sw));
    }
    if (reply.data.length < 2) {
      throw new ReaderError('malformed_response', `The card answered ${reply.data.length} byte(s) without SW1 SW2`);
    }
    return reply.data;
  }

  private onUnsolicited(kind: UnsolicitedKind): void {
    switch (kind) {
      case 'card-inserted':
        this.present = true;
        this.emit('card-inserted');
        return;
      case 'card-removed':
        this.present = false;
        this.connection?.invalidate(new ReaderError('card_removed', `The card left ${this.name}`));
        this.emit('card-removed');
        return;
      case 'reset':
        this.connection?.invalidate(new ReaderError('reader_reset', `${this.name} reset itself`));
        // After a reset the reader talks at 9600 again (§1.1).
        void this.link.setLineSpeed(HARDWARE_BAUD).catch(() => undefined);
        this.emit('reader-reset');
        return;
    }
  }
}

export class Acr30CardConnection implements CardConnection {
  private invalid: ReaderError | null = null;

  constructor(
    private readonly reader: Acr30Reader,
    readonly atr: Buffer,
    readonly protocol: 'T=0' | 'T=1',
    private readonly exchange: (apdu: Buffer) => Promise<Buffer>,
  ) {}

  get open(): boolean {
    return this.invalid === null;
  }

  async transmit(apdu: Buffer): Promise<Buffer> {
    if (this.invalid) {
      throw new ReaderError(this.invalid.code, `Command not sent: ${this.invalid.detail}`, 'not_sent', this.invalid.status);
    }
    if (this.protocol === 'T=0' && isCase4(apdu)) return this.transmitCase4OverT0(apdu);
    return this.exchange(apdu);
  }

  async disconnect(): Promise<void> {
    if (this.invalid) return;
    await this.reader.powerOff();
  }

  invalidate(error: ReaderError): void {
    this.invalid ??= error;
  }

  /** T=0 cannot carry Lc and Le together: send case 3, then GET RESPONSE for the data (§1.7, background §3.5). */
  private async transmitCase4OverT0(apdu: Buffer): Promise<Buffer> {
    const first = await this.exchange(apdu.subarray(0, apdu.length - 1));
    const sw1 = first[first.length - 2];
    if (sw1 !== 0x61) return first;
    const available = first[first.length - 1];
    const wanted = apdu[apdu.length - 1];
    return this.exchange(Buffer.from([0x00, 0xc0, 0x00, 0x00, Math.min(available || 0x100, wanted) & 0xff]));
  }
}

function isCase4(apdu: Buffer): boolean {
  return apdu.length > 5 && apdu[4] !== 0 && apdu.length === 6 + apdu[4];
}

function hex4(sw: number): string {
  return sw.toString(16).toUpperCase().padStart(4, '0');
}
