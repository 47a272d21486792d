import type { ApduChannel } from '../apdu/apdu-channel';

/** Anything that answers APDUs synchronously, like the simulated card. */
export interface ApduProcessor {
  process(apdu: Buffer): Buffer;
}

/**
 * An ApduChannel straight into a simulated card, with no reader in between: what host-side tests
 * and the simulated POS use. A card torn away rejects the transmit with its CardTornError.
 */
export function inMemoryChannel(card: ApduProcessor, onExchange?: (command: Buffer, response: Buffer) => void): ApduChannel {
  return {
    transmit(apdu: Buffer): Promise<Buffer> {
      try {
        const response = card.process(apdu);
        onExchange?.(apdu, response);
        return Promise.resolve(response);
      } catch (err) {
        return Promise.reject(err);
      }
    },
  };
}
