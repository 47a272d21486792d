// The one shape every reader transport (PC/SC, ACR30 serial) presents to the e-Smart host code.
import type { ApduChannel } from '../apdu/apdu-channel';
import { ReaderError } from './reader-error';

/** A powered card in a reader, ready for APDUs. */
export interface CardConnection extends ApduChannel {
  readonly atr: Buffer;
  /** False once disconnected, or once the card or reader went away. */
  readonly open: boolean;
  /** Powers the card down and releases it. Safe to call twice. */
  disconnect(): Promise<void>;
}

export interface CardReaderEvents {
  'card-inserted': [];
  'card-removed': [];
  /** The reader restarted by itself (ACR30 reset message): open connections are void; connect again. */
  'reader-reset': [];
  /** The reader is gone for good; this object is unusable afterwards. */
  'reader-vanished': [error: ReaderError];
}

type Listener<K extends keyof CardReaderEvents> = (...args: CardReaderEvents[K]) => void;

export interface CardReader {
  on<K extends keyof CardReaderEvents>(event: K, listener: Listener<K>): unknown;
  once<K extends keyof CardReaderEvents>(event: K, listener: Listener<K>): unknown;
  off<K extends keyof CardReaderEvents>(event: K, listener: Listener<K>): unknown;
  readonly name: string;
  readonly cardPresent: boolean;
  /** Powers up the card in the reader. Fails with `no_card`, `reader_vanished`, `timeout`, … */
  connect(): Promise<CardConnection>;
  /** Releases the reader (and any connection). Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Resolves once a card is in the reader: at once if one is there already. Rejects with `timeout`
 * after `timeoutMs`, or with the reader's error if it vanishes first.
 */
export function waitForCard(reader: CardReader, timeoutMs: number): Promise<void> {
  if (!(timeoutMs > 0)) throw new RangeError(`waitForCard: timeoutMs must be positive, got ${timeoutMs}`);
  if (reader.cardPresent) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const done = (err?: ReaderError): void => {
      clearTimeout(timer);
      reader.off('card-inserted', onInserted);
      reader.off('reader-vanished', onVanished);
      if (err) reject(err);
      else resolve();
    };
    const onInserted = (): void => done();
    const onVanished = (err: ReaderError): void => done(err);
    const timer = setTimeout(
      () => done(new ReaderError('no_card', `No card was presented to ${reader.name} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    reader.on('card-inserted', onInserted);
    reader.on('reader-vanished', onVanished);
  });
}
