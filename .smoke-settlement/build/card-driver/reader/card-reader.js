"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.waitForCard = waitForCard;
const reader_error_1 = require("./reader-error");
/**
 * Resolves once a card is in the reader: at once if one is there already. Rejects with `timeout`
 * after `timeoutMs`, or with the reader's error if it vanishes first.
 */
function waitForCard(reader, timeoutMs) {
    if (!(timeoutMs > 0))
        throw new RangeError(`waitForCard: timeoutMs must be positive, got ${timeoutMs}`);
    if (reader.cardPresent)
        return Promise.resolve();
    return new Promise((resolve, reject) => {
        const done = (err) => {
            clearTimeout(timer);
            reader.off('card-inserted', onInserted);
            reader.off('reader-vanished', onVanished);
            if (err)
                reject(err);
            else
                resolve();
        };
        const onInserted = () => done();
        const onVanished = (err) => done(err);
        const timer = setTimeout(() => done(new reader_error_1.ReaderError('no_card', `No card was presented to ${reader.name} within ${timeoutMs} ms`)), timeoutMs);
        reader.on('card-inserted', onInserted);
        reader.on('reader-vanished', onVanished);
    });
}
