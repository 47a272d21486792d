// PC/SC readers through `pcsclite` (any USB CCID reader, and vpcd's "Virtual PCD" in tests).
// pcsclite reports presence through a background SCardGetStatusChange loop; we turn its raw state
// words into card-inserted / card-removed edges and its errors into ReaderErrors.
import { EventEmitter } from 'node:events';
import pcsclite from 'pcsclite';
import type { CardConnection, CardReader, CardReaderEvents } from './card-reader';
import { readerErrorFromPcsc } from './pcsc-failure';
import { ReaderError } from './reader-error';

/** Receive buffer for a short APDU response: 256 data bytes + SW1 SW2. */
const SHORT_RESPONSE_BYTES = 258;
/** pcsc-lite's SCARD_STATE_PRESENT; pcsclite exposes it per reader too, but we need it before one exists. */
const STATE_PRESENT = 0x0020;

export interface PcscOptions {
  /** How long a single APDU may take before `timeout` (purse commands write EEPROM). Default 10 s. */
  commandTimeoutMs?: number;
  /** Receive buffer size; raise to 65538 for extended-length responses. Default 258. */
  maxResponseBytes?: number;
  /**
   * After an empty response, how long to wait for pcscd to report the card gone (vpcd answers an
   * empty buffer when the card vanished mid-command; pcscd notices at its next poll). Default 1.5 s.
   */
  removalGraceMs?: number;
}

/** A session with pcscd: which readers exist, and a CardReader for each. */
export class PcscService {
  private readonly pcsc: pcsclite.PCSCLite;
  private readonly readers = new Map<string, PcscCardReader>();
  private failure: ReaderError | null = null;
  private closed = false;
  private readonly changed = new EventEmitter<{ change: [] }>();

  private constructor(private readonly options: PcscOptions) {
    try {
      this.pcsc = pcsclite();
    } catch (err) {
      throw new ReaderError(
        'reader_unavailable',
        `Cannot start a PC/SC session (${(err as Error).message}); is pcscd running (PCSCLITE_CSOCK_NAME)?`,
        'not_sent',
      );
    }
    this.pcsc.on('reader', (raw) => {
      const reader = new PcscCardReader(raw, this.options);
      this.readers.set(raw.name, reader);
      reader.once('reader-vanished', () => {
        if (this.readers.get(raw.name) === reader) this.readers.delete(raw.name);
      });
      this.changed.emit('change');
    });
    this.pcsc.on('error', (err) => {
      if (this.closed) return; // close() cancels the status loop, which reports "Command cancelled"
      // The status loop died: pcscd was never reachable, or it stopped and took every reader along.
      this.failure =
        this.readers.size === 0
          ? new ReaderError(
              'reader_unavailable',
              `Cannot reach pcscd (${err.message}); start it (purseflow services up) and check PCSCLITE_CSOCK_NAME`,
              'not_sent',
            )
          : readerErrorFromPcsc(err, 'status', 'PC/SC');
      for (const reader of this.readers.values()) reader.vanish(this.failure);
      this.readers.clear();
      this.changed.emit('change');
    });
  }

  static open(options: PcscOptions = {}): PcscService {
    return new PcscService(options);
  }

  readerNames(): string[] {
    return [...this.readers.keys()];
  }

  /**
   * Resolves with the named reader once pcscd lists it. Rejects with `reader_unavailable` when it
   * does not appear within `timeoutMs` or the PC/SC session fails.
   */
  reader(name: string, timeoutMs = 3000): Promise<PcscCardReader> {
    if (this.closed) return Promise.reject(new ReaderError('closed', 'This PC/SC session is closed', 'not_sent'));
    return new Promise<PcscCardReader>((resolve, reject) => {
      const check = (): boolean => {
        const found = this.readers.get(name);
        if (found) {
          finish();
          resolve(found);
          return true;
        }
        if (this.failure) {
          finish();
          reject(this.failure);
          return true;
        }
        return false;
      };
      const finish = (): void => {
        clearTimeout(timer);
        this.changed.off('change', check);
      };
      const timer = setTimeout(() => {
        finish();
        const known = this.readerNames();
        reject(
          new ReaderError(
            'reader_unavailable',
            `PC/SC reader "${name}" not found within ${timeoutMs} ms (readers: ${known.length ? known.join(', ') : 'none'})`,
            'not_sent',
          ),
        );
      }, timeoutMs);
      this.changed.on('change', check);
      check();
    });
  }

  /** Waits until pcscd has reported at least one reader (or `timeoutMs` passed), then lists them. */
  async listReaders(timeoutMs = 1000): Promise<string[]> {
    if (this.readers.size === 0 && !this.failure) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeoutMs);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.changed.once('change', done);
      });
    }
    if (this.failure) throw this.failure;
    return this.readerNames();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.readers.values()].map((r) => r.close()));
    this.readers.clear();
    this.pcsc.close();
  }
}

export class PcscCardReader extends EventEmitter<CardReaderEvents> implements CardReader {
  readonly name: string;
  private present = false;
  private atr: Buffer | null = null;
  private connection: PcscCardConnection | null = null;
  private gone: ReaderError | null = null;

  constructor(
    private readonly raw: pcsclite.CardReader,
    private readonly options: PcscOptions,
  ) {
    super();
    this.name = raw.name;
    raw.on('status', (status) => this.onStatus(status.state, status.atr));
    raw.on('end', () =>
      this.vanish(new ReaderError('reader_vanished', `PC/SC reader "${this.name}" was removed`)),
    );
    raw.on('error', (err) => this.vanish(readerErrorFromPcsc(err, 'status', this.name)));
  }

  get cardPresent(): boolean {
    return this.present;
  }

  async connect(): Promise<CardConnection> {
    if (this.gone) throw this.gone;
    if (this.connection?.open) return this.connection;
    if (!this.present) throw new ReaderError('no_card', `No card in PC/SC reader "${this.name}"`, 'not_sent');
    const raw = this.raw;
    const protocol = await new Promise<number>((resolve, reject) => {
      raw.connect(
        { share_mode: raw.SCARD_SHARE_SHARED, protocol: raw.SCARD_PROTOCOL_T0 | raw.SCARD_PROTOCOL_T1 },
        (err, chosen) => (err ? reject(readerErrorFromPcsc(err, 'connect', this.name)) : resolve(chosen)),
      );
    });
    const atr = this.readAtr();
    this.connection = new PcscCardConnection(this, raw, protocol, atr, this.options);
    return this.connection;
  }

  async close(): Promise<void> {
    if (this.connection) await this.connection.disconnect();
    this.gone ??= new ReaderError('closed', `PC/SC reader "${this.name}" was closed by its owner`, 'not_sent');
    this.raw.removeAllListeners('status');
    this.raw.close();
  }

  /**
   * Resolves true once pcscd reports the card gone, false if it is still there after `graceMs`.
   * pcsclite's own get_status() would start a second status thread that close() never joins, so
   * presence is only ever learnt from the status events.
   */
  cardLeavesWithin(graceMs: number): Promise<boolean> {
    if (!this.present) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (left: boolean): void => {
        clearTimeout(timer);
        this.off('card-removed', onRemoved);
        this.off('reader-vanished', onRemoved);
        resolve(left);
      };
      const onRemoved = (): void => done(true);
      const timer = setTimeout(() => done(false), graceMs);
      this.on('card-removed', onRemoved);
      this.on('reader-vanished', onRemoved);
    });
  }

  /** Called by the session when the reader (or pcscd itself) is gone. */
  vanish(error: ReaderError): void {
    if (this.gone) return;
    this.gone = error;
    this.connection?.invalidate(error);
    this.present = false;
    this.emit('reader-vanished', error);
  }

  private readAtr(): Buffer {
    const atr = this.atr;
    if (!atr || atr.length < 2) {
      throw new ReaderError('malformed_response', `PC/SC reader "${this.name}" reported no ATR for its card`);
    }
    return atr;
  }

  private onStatus(state: number, atr: Buffer | undefined): void {
    if (this.gone) return;
    if (atr && atr.length > 0) this.atr = atr;
    const present = (state & STATE_PRESENT) !== 0;
    if (present === this.present) return;
    this.present = present;
    if (present) {
      this.emit('card-inserted');
    } else {
      this.connection?.invalidate(new ReaderError('card_removed', `The card left PC/SC reader "${this.name}"`));
      this.emit('card-removed');
    }
  }
}

export class PcscCardConnection implements CardConnection {
  private invalid: ReaderError | null = null;
  private disconnected = false;
  /** One APDU at a time: a card is a strict request/response device. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly removalGraceMs: number;

  constructor(
    private readonly reader: PcscCardReader,
    private readonly raw: pcsclite.CardReader,
    private readonly protocol: number,
    readonly atr: Buffer,
    options: PcscOptions,
  ) {
    this.timeoutMs = options.commandTimeoutMs ?? 10_000;
    this.maxResponseBytes = options.maxResponseBytes ?? SHORT_RESPONSE_BYTES;
    this.removalGraceMs = options.removalGraceMs ?? 1500;
    if (!(this.timeoutMs > 0)) throw new RangeError(`commandTimeoutMs must be positive, got ${this.timeoutMs}`);
  }

  get open(): boolean {
    return !this.invalid && !this.disconnected;
  }

  transmit(apdu: Buffer): Promise<Buffer> {
    if (apdu.length < 4) {
      return Promise.reject(new RangeError(`A command APDU has at least 4 bytes, got ${apdu.length}`));
    }
    const run = this.queue.then(() => this.transmitNow(apdu));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async disconnect(): Promise<void> {
    if (this.disconnected) return;
    this.disconnected = true;
    if (!this.raw.connected) return;
    await new Promise<void>((resolve) => {
      // A failed disconnect leaves nothing to undo: the card is gone or pcscd released the handle.
      this.raw.disconnect(this.raw.SCARD_UNPOWER_CARD, () => resolve());
    });
  }

  invalidate(error: ReaderError): void {
    this.invalid ??= error;
  }

  private transmitNow(apdu: Buffer): Promise<Buffer> {
    if (this.disconnected) {
      return Promise.reject(new ReaderError('closed', 'This card connection was disconnected', 'not_sent'));
    }
    if (this.invalid) return Promise.reject(this.refused(this.invalid));
    return new Promise<Buffer>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(
          new ReaderError('timeout', `The card in "${this.reader.name}" did not answer within ${this.timeoutMs} ms`),
        );
      }, this.timeoutMs);
      this.raw.transmit(apdu, this.maxResponseBytes, this.protocol, (err, data) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          const error = readerErrorFromPcsc(err, 'transmit', this.reader.name);
          if (error.code === 'card_removed' || error.code === 'reader_vanished') this.invalidate(error);
          reject(error);
        } else if (!data || data.length < 2) {
          // vpcd answers an empty buffer (and no error) when the card vanished mid-command.
          this.explainShortResponse(data?.length ?? 0).then(reject, reject);
        } else {
          resolve(data);
        }
      });
    });
  }

  private async explainShortResponse(length: number): Promise<ReaderError> {
    if (await this.reader.cardLeavesWithin(this.removalGraceMs)) {
      const error = new ReaderError('card_removed', `The card left "${this.reader.name}" during the command`);
      this.invalidate(error);
      return error;
    }
    return new ReaderError(
      'malformed_response',
      `The card in "${this.reader.name}" answered ${length} byte(s); a response carries at least SW1 SW2`,
    );
  }

  private refused(cause: ReaderError): ReaderError {
    return new ReaderError(cause.code, `Command not sent: ${cause.detail}`, 'not_sent', cause.status);
  }
}
