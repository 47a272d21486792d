// An ACR30S reader on one end of a pseudo-terminal pair: it speaks the serial protocol of
// acr30-serial.md to whatever opens the other end, with a virtual card in its slot (or none).
// Both directions are paced at the configured line speed (see WirePacer), and tests can inject the
// faults a real line produces: lost, corrupt or split replies, NAKed commands, unsolicited frames.
import { EventEmitter } from 'node:events';
import type { VirtualCard } from '../vpcd/vpcd-card-connector';
import {
  baudCode,
  baudOfCode,
  CARD_TYPE,
  encodeAcrStat,
  HARDWARE_BAUD,
  INS,
  NOTIFY_OFF,
  NOTIFY_ON,
  READER_BAD_INS,
  READER_CARD_UNPOWERED,
  READER_LENGTH_ERROR,
  READER_NO_CARD,
  READER_OK,
  READER_WRONG_TYPE,
  UNSOLICITED,
  UNSOLICITED_SW1,
  unwrapFromExchange,
  type AcrBaud,
} from './acr30-commands';
import { decodeCommand, encodeResponse, type AcrCommand } from './acr30-frame';
import { AcrLineDecoder, NAK, toWire } from './acr30-line';
import { PtyEnd } from './pty-end';
import { performance } from 'node:perf_hooks';
import { ArrivalClock, WirePacer } from './wire-pacer';

export interface Acr30SimulatorOptions {
  /** The simulator's end of the pty pair. */
  path: string;
  /** The card in the slot at start, if any. */
  card?: VirtualCard | null;
  /** Extra time each EXCHANGE_APDU spends in the card (EEPROM writes and the like). Default 0. */
  cardProcessingMs?: number;
  /** Pace bytes at the line speed (default true); false moves them at memory speed. */
  paced?: boolean;
  /** Send the reset message when the simulator starts, as a reader does at power-up. Default true. */
  announceReset?: boolean;
  /** The speed after power-up and every reset. The ACR30 has 9600 (§1.1); other values model a misconfigured line. */
  hardwareBaud?: AcrBaud;
}

/** One-shot faults, each consumed by the next reply or command it applies to. */
export type Acr30Fault =
  /** Run the next command but never send its reply (a lost reply; NAK fetches it). */
  | { kind: 'drop-reply' }
  /** Send the next reply with a wrong checksum (NAK fetches the good one). */
  | { kind: 'corrupt-reply' }
  /** Answer the next command with NAK without running it, as if it arrived damaged. */
  | { kind: 'nak-command' }
  /** Send the next reply in two halves with a pause between them. */
  | { kind: 'split-reply'; pauseMs: number }
  /** Send an unsolicited message just before the next reply (the host must accept it anywhere). */
  | { kind: 'unsolicited-before-reply'; message: 'card-inserted' | 'card-removed' }
  /**
   * Hold the next reply back for this long before sending it. A NAK meanwhile gets the previous
   * reply, or with `ignoreNaks` nothing at all (a reader too busy to listen), so the host times out.
   */
  | { kind: 'delay-reply'; ms: number; ignoreNaks?: boolean }
  /** Ignore every byte from the host for this long, NAKs included (a reader that hangs). */
  | { kind: 'deaf'; ms: number };

export interface Acr30SimulatorEvents {
  /** A decoded command, before it runs. */
  command: [command: AcrCommand];
  /** The host sent NAK. */
  'host-nak': [];
  /** The card answered an APDU. */
  apdu: [command: Buffer, response: Buffer];
  /** The line speed changed (after SET_PROTOCOL's reply, or back to 9600 on reset). */
  baud: [baud: AcrBaud];
  /** The card's process() threw, i.e. it was torn away mid-command; the host got 60 04. */
  'card-torn': [error: unknown];
}

const FIRMWARE = 'ACR30S-SIM';

export class Acr30Simulator extends EventEmitter<Acr30SimulatorEvents> {
  private readonly decoder = new AcrLineDecoder();
  private readonly rx: ArrivalClock;
  private readonly tx: WirePacer;
  private card: VirtualCard | null;
  private powered = false;
  private cardType: number = CARD_TYPE.AUTO;
  private notify = true;
  private baud: AcrBaud;
  private readonly hardwareBaud: AcrBaud;
  private lastReply: Buffer | null = null;
  private busy = false;
  private readonly waiting: AcrCommand[] = [];
  private readonly idleMessages: Buffer[] = [];
  private readonly faults: Acr30Fault[] = [];
  private readonly cardProcessingMs: number;
  private closed = false;
  private deafUntil = 0;
  /** False while a 'delay-reply' fault with ignoreNaks holds a reply back. */
  private hearsNaks = true;
  /** Pending waits and how to end them early. */
  private readonly timers = new Map<NodeJS.Timeout, () => void>();

  private constructor(
    private readonly port: PtyEnd,
    options: Acr30SimulatorOptions,
  ) {
    super();
    const paced = options.paced ?? true;
    this.hardwareBaud = options.hardwareBaud ?? HARDWARE_BAUD;
    this.baud = this.hardwareBaud;
    this.rx = new ArrivalClock(this.baud, paced);
    this.tx = new WirePacer(this.baud, paced);
    this.card = options.card ?? null;
    this.cardProcessingMs = options.cardProcessingMs ?? 0;
    if (!(this.cardProcessingMs >= 0)) throw new RangeError('cardProcessingMs must be >= 0');
    port.on('data', (chunk: Buffer) => {
      // The host wrote at memory speed; the reader's answers are timed from when the line would
      // have delivered these bytes (see ArrivalClock).
      this.rx.arrive(chunk.length);
      this.onBytes(chunk);
    });
    // A vanished line (socat killed) just stops the simulator.
    port.on('close', () => {
      this.closed = true;
    });
  }

  static open(options: Acr30SimulatorOptions): Promise<Acr30Simulator> {
    let port: PtyEnd;
    try {
      port = PtyEnd.open(options.path);
    } catch (err) {
      return Promise.reject(new Error(`ACR30 simulator cannot open ${options.path}: ${(err as Error).message}`));
    }
    const sim = new Acr30Simulator(port, options);
    if (options.announceReset ?? true) sim.sendUnsolicited(UNSOLICITED.RESET, Buffer.from([baudCode(sim.hardwareBaud)]));
    return Promise.resolve(sim);
  }

  get lineSpeed(): AcrBaud {
    return this.baud;
  }

  get cardInserted(): boolean {
    return this.card !== null;
  }

  /** Puts a card into the slot; the host hears of it when the reader is idle (§1.6). */
  insert(card: VirtualCard): void {
    card.insert?.();
    this.card = card;
    this.powered = false;
    if (this.notify) this.whenIdle(this.unsolicitedFrame(UNSOLICITED.CARD_INSERTED));
  }

  /** Takes the card out; a command in progress then fails with 60 04. */
  remove(): void {
    if (!this.card) return;
    this.card.powerOff?.();
    this.card = null;
    this.powered = false;
    if (this.notify) this.whenIdle(this.unsolicitedFrame(UNSOLICITED.CARD_REMOVED));
  }

  /** A power cycle: volatile settings are lost, the line returns to 9600 and the reset message goes out. */
  powerCycle(): void {
    this.powered = false;
    this.card?.powerOff?.();
    this.cardType = CARD_TYPE.AUTO;
    this.notify = true;
    this.lastReply = null;
    this.setBaud(this.hardwareBaud);
    this.sendUnsolicited(UNSOLICITED.RESET, Buffer.from([baudCode(this.hardwareBaud)]));
  }

  inject(fault: Acr30Fault): void {
    if (fault.kind === 'deaf') this.deafUntil = Date.now() + fault.ms;
    else this.faults.push(fault);
  }

  /** Puts raw bytes on the line (garbage, hand-made frames). */
  sendRaw(bytes: Buffer): Promise<void> {
    return this.transmit(bytes);
  }

  close(): Promise<void> {
    this.closed = true;
    for (const [timer, wake] of this.timers) {
      clearTimeout(timer);
      wake();
    }
    this.timers.clear();
    return this.port.close();
  }

  private takeFault<K extends Acr30Fault['kind']>(kind: K): Extract<Acr30Fault, { kind: K }> | undefined {
    const i = this.faults.findIndex((f) => f.kind === kind);
    if (i < 0) return undefined;
    return this.faults.splice(i, 1)[0] as Extract<Acr30Fault, { kind: K }>;
  }

  /** Puts bytes on the line, never before the last byte received has arrived (the reader is half-duplex in practice). */
  private transmit(bytes: Buffer): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.tx.carry(
      bytes,
      (chunk) => {
        if (!this.closed) this.port.write(chunk);
      },
      this.rx.doneAt,
    );
  }

  private setBaud(baud: AcrBaud): void {
    this.baud = baud;
    this.rx.setBaud(baud);
    this.tx.setBaud(baud);
    this.emit('baud', baud);
  }

  private unsolicitedFrame(kind: number, data: Buffer = Buffer.alloc(0)): Buffer {
    return toWire(encodeResponse({ sw1: UNSOLICITED_SW1, sw2: kind, data }));
  }

  private sendUnsolicited(kind: number, data?: Buffer): void {
    void this.transmit(this.unsolicitedFrame(kind, data));
  }

  private whenIdle(frame: Buffer): void {
    if (this.busy) this.idleMessages.push(frame);
    else void this.transmit(frame);
  }

  /** A wait that close() cuts short, so a closed simulator leaves no timers behind. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.set(timer, resolve);
    });
  }

  private onBytes(bytes: Buffer): void {
    if (Date.now() < this.deafUntil) return;
    for (const event of this.decoder.push(bytes)) {
      switch (event.kind) {
        case 'nak':
          this.emit('host-nak');
          if (this.lastReply && this.hearsNaks) void this.transmit(this.lastReply);
          break;
        case 'bad-frame':
          void this.transmit(NAK);
          break;
        case 'noise':
          break;
        case 'frame': {
          const decoded = decodeCommand(event.bytes);
          if (!decoded.ok) void this.transmit(NAK);
          else this.enqueue(decoded.value);
          break;
        }
      }
    }
  }

  private enqueue(command: AcrCommand): void {
    this.waiting.push(command);
    if (!this.busy) void this.drain();
  }

  private async drain(): Promise<void> {
    this.busy = true;
    for (let command = this.waiting.shift(); command; command = this.waiting.shift()) {
      if (this.closed) break;
      if (this.takeFault('nak-command')) {
        await this.transmit(NAK);
        continue;
      }
      this.emit('command', command);
      const { sw, data, afterReply } = await this.execute(command);
      await this.reply(sw, data);
      afterReply?.();
    }
    this.busy = false;
    for (let frame = this.idleMessages.shift(); frame; frame = this.idleMessages.shift()) void this.transmit(frame);
  }

  private async reply(sw: number, data: Buffer): Promise<void> {
    const wire = toWire(encodeResponse({ sw1: sw >> 8, sw2: sw & 0xff, data }));
    const delay = this.takeFault('delay-reply');
    if (delay) {
      this.hearsNaks = !delay.ignoreNaks;
      await this.sleep(delay.ms);
      this.hearsNaks = true;
    }
    this.lastReply = wire;
    const before = this.takeFault('unsolicited-before-reply');
    if (before) {
      const kind = before.message === 'card-inserted' ? UNSOLICITED.CARD_INSERTED : UNSOLICITED.CARD_REMOVED;
      await this.transmit(this.unsolicitedFrame(kind));
    }
    if (this.takeFault('drop-reply')) return;
    if (this.takeFault('corrupt-reply')) {
      const bad = Buffer.from(wire);
      // Flip a bit of the checksum's last hex digit: still hex, no longer a valid XOR.
      bad[bad.length - 2] = bad[bad.length - 2] === 0x30 ? 0x31 : 0x30;
      await this.transmit(bad);
      return;
    }
    const split = this.takeFault('split-reply');
    if (split) {
      const half = Math.floor(wire.length / 2);
      await this.transmit(wire.subarray(0, half));
      await this.sleep(split.pauseMs);
      await this.transmit(wire.subarray(half));
      return;
    }
    await this.transmit(wire);
  }

  private async execute(command: AcrCommand): Promise<{ sw: number; data: Buffer; afterReply?: () => void }> {
    const none = Buffer.alloc(0);
    const { ins, data } = command;
    switch (ins) {
      case INS.GET_ACR_STAT:
        return {
          sw: READER_OK,
          data: encodeAcrStat({
            firmware: FIRMWARE,
            maxCommandBytes: 0xff,
            maxResponseBytes: 0xff,
            supportedCardTypes: (1 << CARD_TYPE.MCU_T0) | (1 << CARD_TYPE.MCU_T1),
            selectedCardType: this.cardType,
            cardState: !this.card ? 'absent' : this.powered ? 'powered' : 'present',
          }),
        };
      case INS.SELECT_CARD_TYPE:
        if (data.length !== 1) return { sw: READER_LENGTH_ERROR, data: none };
        this.cardType = data[0];
        return { sw: READER_OK, data: none };
      case INS.SET_PROTOCOL: {
        if (data.length !== 1 && data.length !== 2) return { sw: READER_LENGTH_ERROR, data: none };
        if (data.length === 1) return { sw: READER_OK, data: none };
        const baud = baudOfCode(data[1]);
        if (!baud) return { sw: READER_LENGTH_ERROR, data: none };
        // The new speed applies once this reply has left at the old one (§1.1).
        return { sw: READER_OK, data: none, afterReply: () => this.setBaud(baud) };
      }
      case INS.SET_NOTIFICATION:
        if (data.length !== 1 || (data[0] !== NOTIFY_ON && data[0] !== NOTIFY_OFF)) {
          return { sw: READER_LENGTH_ERROR, data: none };
        }
        this.notify = data[0] === NOTIFY_ON;
        return { sw: READER_OK, data: none };
      case INS.SET_OPTION:
        return data.length === 1 ? { sw: READER_OK, data: none } : { sw: READER_LENGTH_ERROR, data: none };
      case INS.RESET:
        return this.resetCard();
      case INS.POWER_OFF:
        if (this.powered) this.card?.powerOff?.();
        this.powered = false;
        return { sw: READER_OK, data: none };
      case INS.EXCHANGE_APDU:
        return this.exchange(data);
      default:
        return { sw: READER_BAD_INS, data: none };
    }
  }

  private resetCard(): { sw: number; data: Buffer } {
    const card = this.card;
    if (!card) return { sw: READER_NO_CARD, data: Buffer.alloc(0) };
    if (this.powered) card.reset?.();
    else card.powerOn?.();
    this.powered = true;
    // With auto-detection the status tells the protocol (§1.7): TD1's low nibble 1 means T=1.
    const sw = this.cardType === CARD_TYPE.AUTO && offersT1(card.atr) ? 0x9001 : READER_OK;
    return { sw, data: Buffer.from(card.atr) };
  }

  private async exchange(data: Buffer): Promise<{ sw: number; data: Buffer }> {
    const none = Buffer.alloc(0);
    const card = this.card;
    if (!card) return { sw: READER_NO_CARD, data: none };
    if (!this.powered) return { sw: READER_CARD_UNPOWERED, data: none };
    const unwrapped = unwrapFromExchange(data);
    if (!unwrapped.ok) return { sw: READER_LENGTH_ERROR, data: none };
    if (this.cardType === CARD_TYPE.MCU_T0 && unwrapped.lc > 0 && unwrapped.le > 0) {
      return { sw: READER_WRONG_TYPE, data: none };
    }
    if (this.cardProcessingMs > 0) {
      // The card starts once the command's last byte is in.
      const now = performance.now();
      await this.sleep(Math.max(this.rx.doneAt, now) + this.cardProcessingMs - now);
    }
    // Pulled out while the card was working: the reader answers "card not powered up" (§1.6).
    if (this.card !== card || !this.powered) return { sw: READER_CARD_UNPOWERED, data: none };
    let response: Buffer;
    try {
      response = card.process(unwrapped.apdu);
    } catch (err) {
      // The card left the slot while working (§1.6): "card not powered up", then the removal message.
      this.emit('card-torn', err);
      this.card = null;
      this.powered = false;
      if (this.notify) this.whenIdle(this.unsolicitedFrame(UNSOLICITED.CARD_REMOVED));
      return { sw: READER_CARD_UNPOWERED, data: none };
    }
    this.emit('apdu', unwrapped.apdu, response);
    return { sw: READER_OK, data: response };
  }
}

/** Whether any TDi interface byte of the ATR names protocol T=1 (ISO/IEC 7816-3 §8.2). */
export function offersT1(atr: Buffer): boolean {
  let i = 1;
  let y = atr[1] >> 4; // presence bits of TA, TB, TC, TD for the current group
  while (i < atr.length && y & 0x8) {
    i += 1 + popcount(y & 0x7);
    if (i >= atr.length) return false;
    if ((atr[i] & 0x0f) === 1) return true;
    y = atr[i] >> 4;
  }
  return false;
}

function popcount(n: number): number {
  let c = 0;
  for (let x = n; x; x &= x - 1) c += 1;
  return c;
}
