"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.inMemoryChannel = inMemoryChannel;
/**
 * An ApduChannel straight into a simulated card, with no reader in between: what host-side tests
 * and the simulated POS use. A card torn away rejects the transmit with its CardTornError.
 */
function inMemoryChannel(card, onExchange) {
    return {
        transmit(apdu) {
            try {
                const response = card.process(apdu);
                onExchange?.(apdu, response);
                return Promise.resolve(response);
            }
            catch (err) {
                return Promise.reject(err);
            }
        },
    };
}
