// A simulated e-Smart card with one-shot faults at the command of our choosing, for the tearing
// tests: torn away before the card sees a command or after it ran it (the answer never leaves),
// an answer garbled on its way back, or something done to the reader the moment the card answers
// (pull the card out, kill a process). The card itself is card-driver's SimulatedCard, unchanged.
import { CardTornError, type SimulatedCard, type VirtualCard } from '../../card-driver';

/** The commands of a connected load (spec 4), by their INS byte. */
export const CARD_COMMAND = { select: 0xa4, initializeLoad: 0x50, creditLoad: 0x52, debit: 0x56, readLog: 0xb2 } as const;
export type CardCommand = keyof typeof CARD_COMMAND;

export type CardFault =
  /** The card leaves the reader as the command arrives: it never sees it. `then` runs at that moment. */
  | { kind: 'tear-before'; then?: () => void }
  /** The card runs the command, then leaves the reader: the answer never comes back. `then` runs at that moment. */
  | { kind: 'tear-after'; then?: () => void }
  /** The card runs the command; the last 4 bytes of its answer's data (a MAC) arrive flipped. */
  | { kind: 'garble-mac' }
  /** The card runs the command; `then` runs before its answer leaves the reader. */
  | { kind: 'after'; then: () => void };

export class FaultyCard implements VirtualCard {
  readonly #faults = new Map<number, CardFault>();
  /** Every command the card was given, by name, in order (the tests count CREDIT LOADs). */
  readonly seen: CardCommand[] = [];

  constructor(readonly card: SimulatedCard) {}

  get atr(): Buffer {
    return this.card.atr;
  }

  /** Arms a one-shot fault on the next `command`; replaces one armed before on it. */
  at(command: CardCommand, fault: CardFault): this {
    this.#faults.set(CARD_COMMAND[command], fault);
    return this;
  }

  insert(): void {
    this.card.insert();
  }

  powerOn(): void {
    this.card.powerOn();
  }

  powerOff(): void {
    this.card.powerOff();
  }

  reset(): void {
    this.card.reset();
  }

  process(apdu: Buffer): Buffer {
    const ins = apdu[1];
    const name = (Object.keys(CARD_COMMAND) as CardCommand[]).find((k) => CARD_COMMAND[k] === ins);
    const fault = this.#faults.get(ins);
    if (fault) this.#faults.delete(ins);
    if (fault?.kind === 'tear-before') {
      fault.then?.();
      this.card.powerOff();
      throw new CardTornError('card_torn');
    }
    if (name) this.seen.push(name);
    const response = this.card.process(apdu);
    if (fault?.kind === 'tear-after') {
      fault.then?.();
      this.card.powerOff();
      throw new CardTornError('card_torn');
    }
    if (fault?.kind === 'garble-mac' && response.length >= 6) {
      const garbled = Buffer.from(response);
      for (let i = garbled.length - 6; i < garbled.length - 2; i++) garbled[i] ^= 0xff;
      return garbled;
    }
    if (fault?.kind === 'after') fault.then();
    return response;
  }

  /** How many times the card was sent CREDIT LOAD. */
  get creditLoadsSeen(): number {
    return this.seen.filter((c) => c === 'creditLoad').length;
  }
}
