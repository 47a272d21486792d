// Plugs a virtual card into pcscd's vsmartcard-vpcd driver. vpcd (default mode) listens on TCP; we
// connect as the "vicc". An open connection means "card inserted", closing it means "card removed"
// (background.md §2.3). vpcd always speaks first; we only answer.
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { ReaderError } from '../reader/reader-error';
import { classifyVpcdRequest, encodeVpcdMessage, VpcdMessageDecoder } from './vpcd-message';

/** pcsc-lite's MAX_ATR_SIZE. */
const MAX_ATR_BYTES = 33;

/**
 * Anything that behaves like a card: the e-Smart simulator, or a tiny test card. A process() that
 * throws means the card has left the reader (the e-Smart simulator's CardTornError): no response
 * goes back and the card counts as removed.
 */
export interface VirtualCard {
  readonly atr: Buffer;
  process(apdu: Buffer): Buffer;
  /** Optional: called when the card goes (back) into a reader. */
  insert?(): void;
  /** Optional: called on vpcd power-off (RAM state such as a pending load is lost). */
  powerOff?(): void;
  /** Optional: called on vpcd power-on. */
  powerOn?(): void;
  /** Optional: called on a warm reset. */
  reset?(): void;
}

export interface VpcdConnectorOptions {
  card: VirtualCard;
  /** vpcd's port for the slot (35963 = slot 0 by default). */
  port: number;
  host?: string;
  /** Time the card takes to answer each APDU (EEPROM writes); default 0. */
  responseDelayMs?: number;
}

/**
 * Tear the card away at a chosen moment, once: `before-processing` = the card never sees the APDU;
 * `after-processing` = the card executes it but the response never leaves.
 */
export interface VpcdTear {
  stage: 'before-processing' | 'after-processing';
  when: (apdu: Buffer) => boolean;
}

export type VpcdRemovalReason = 'removed' | 'torn' | 'vpcd-closed' | 'socket-error';

export interface VpcdConnectorEvents {
  /** The TCP connection to vpcd is up; pcscd reports the card present at its next poll. */
  inserted: [];
  removed: [reason: VpcdRemovalReason];
  /** Every APDU exchange, for tests and demos to observe the traffic. */
  apdu: [command: Buffer, response: Buffer];
  /** The card's process() threw, i.e. it was torn away; the connection was closed. */
  'card-torn': [error: unknown];
}

export class VpcdCardConnector extends EventEmitter<VpcdConnectorEvents> {
  private socket: net.Socket | null = null;
  private tear: VpcdTear | null = null;
  private readonly host: string;

  constructor(private readonly options: VpcdConnectorOptions) {
    super();
    const { card, port } = options;
    if (!Number.isInteger(port) || port <= 0 || port > 0xffff) {
      throw new RangeError(`vpcd port must be an integer 1..65535, got ${port}`);
    }
    if (card.atr.length < 2 || card.atr.length > MAX_ATR_BYTES) {
      throw new RangeError(`A card's ATR must be 2..${MAX_ATR_BYTES} bytes, got ${card.atr.length}`);
    }
    this.host = options.host ?? '127.0.0.1';
  }

  get inserted(): boolean {
    return this.socket !== null;
  }

  get card(): VirtualCard {
    return this.options.card;
  }

  /** Inserts the card: connects to vpcd. Rejects with `reader_unavailable` when vpcd is not listening. */
  insert(): Promise<void> {
    if (this.socket) return Promise.resolve();
    this.options.card.insert?.();
    return new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.options.port });
      socket.setNoDelay(true);
      const decoder = new VpcdMessageDecoder();
      const onConnectError = (err: Error): void => {
        reject(
          new ReaderError(
            'reader_unavailable',
            `Cannot reach vpcd at ${this.host}:${this.options.port} (${err.message}); ` +
              'is pcscd running with the vsmartcard-vpcd driver on that port (PURSEFLOW_VPCD_PORT)?',
            'not_sent',
          ),
        );
      };
      socket.once('error', onConnectError);
      socket.once('connect', () => {
        socket.off('error', onConnectError);
        this.socket = socket;
        socket.on('data', (chunk) => {
          for (const body of decoder.push(chunk)) {
            if (this.socket !== socket) return;
            this.answer(socket, body);
          }
        });
        socket.on('error', () => this.drop(socket, 'socket-error'));
        socket.on('close', () => this.drop(socket, 'vpcd-closed'));
        this.emit('inserted');
        resolve();
      });
    });
  }

  /** Removes the card: closes the connection. */
  async remove(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    this.drop(socket, 'removed');
    await new Promise<void>((resolve) => {
      if (socket.closed) resolve();
      else socket.once('close', () => resolve());
    });
  }

  /** Arms a one-shot tear; see VpcdTear. Replaces any tear armed before. */
  tearOn(tear: VpcdTear): void {
    this.tear = tear;
  }

  private answer(socket: net.Socket, body: Buffer): void {
    const card = this.options.card;
    const request = classifyVpcdRequest(body);
    switch (request.kind) {
      case 'get-atr':
        socket.write(encodeVpcdMessage(card.atr));
        return;
      case 'power-off':
        card.powerOff?.();
        return;
      case 'power-on':
        card.powerOn?.();
        return;
      case 'reset':
        card.reset?.();
        return;
      case 'unknown-control':
        return;
      case 'apdu':
        this.exchange(socket, request.apdu);
        return;
    }
  }

  private exchange(socket: net.Socket, apdu: Buffer): void {
    const tear = this.tear && this.tear.when(apdu) ? this.tear : null;
    if (tear) this.tear = null;
    if (tear?.stage === 'before-processing') {
      this.drop(socket, 'torn');
      return;
    }
    let response: Buffer;
    try {
      response = this.options.card.process(apdu);
    } catch (err) {
      this.emit('card-torn', err);
      this.drop(socket, 'torn');
      return;
    }
    if (tear) {
      this.drop(socket, 'torn');
      return;
    }
    this.emit('apdu', apdu, response);
    const delay = this.options.responseDelayMs ?? 0;
    if (delay > 0) {
      setTimeout(() => {
        if (this.socket === socket) socket.write(encodeVpcdMessage(response));
      }, delay);
    } else {
      socket.write(encodeVpcdMessage(response));
    }
  }

  private drop(socket: net.Socket, reason: VpcdRemovalReason): void {
    if (this.socket !== socket) return;
    this.socket = null;
    socket.destroy();
    this.emit('removed', reason);
  }
}
