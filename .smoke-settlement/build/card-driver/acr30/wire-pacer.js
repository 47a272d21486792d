"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.WirePacer = exports.BITS_PER_BYTE = void 0;
exports.wireTimeMs = wireTimeMs;
exports.runAt = runAt;
// A pseudo-terminal moves bytes at memory speed; a real RS-232 line at 8N1 moves one byte per
// 10 bit times. The simulator runs both of its directions through a WirePacer so that the host sees
// each byte no earlier than a real ACR30 could have delivered it.
const node_perf_hooks_1 = require("node:perf_hooks");
/** Start bit + 8 data bits + stop bit. */
exports.BITS_PER_BYTE = 10;
/** Bytes handed over together: small enough to look like a UART stream, large enough to keep timers few. */
const CHUNK_BYTES = 16;
function wireTimeMs(bytes, baud) {
    return (bytes * exports.BITS_PER_BYTE * 1000) / baud;
}
/**
 * Runs `fn` at `due` (performance.now() milliseconds). setTimeout alone is late by a millisecond or
 * more, which at 115200 bps is over 10 bytes, so the last stretch is spun out with setImmediate.
 */
function runAt(due, fn) {
    const wait = due - node_perf_hooks_1.performance.now();
    if (wait > 2)
        setTimeout(() => runAt(due, fn), wait - 1.5);
    else if (wait > 0)
        setImmediate(() => runAt(due, fn));
    else
        fn();
}
class WirePacer {
    baud;
    paced;
    /** When the line finishes the bytes already scheduled on it. */
    freeAt = 0;
    /** In due order; one pump delivers them, so chunks can never overtake each other. */
    queue = [];
    pumping = false;
    constructor(baud, 
    /** False: no pacing at all (bytes pass at memory speed). */
    paced) {
        this.baud = baud;
        this.paced = paced;
        this.setBaud(baud);
    }
    /** Takes effect for bytes carried from now on. */
    setBaud(baud) {
        if (!(baud > 0))
            throw new RangeError(`baud must be positive, got ${baud}`);
        this.baud = baud;
    }
    get baudRate() {
        return this.baud;
    }
    /**
     * Delivers `bytes` through `deliver` in chunks, each at the moment its last byte would have crossed
     * the line. Resolves when the last chunk is delivered.
     */
    carry(bytes, deliver) {
        if (!this.paced || bytes.length === 0) {
            if (bytes.length > 0)
                deliver(bytes);
            return Promise.resolve();
        }
        return new Promise((resolve) => {
            let at = Math.max(node_perf_hooks_1.performance.now(), this.freeAt);
            for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
                const chunk = bytes.subarray(offset, offset + CHUNK_BYTES);
                at += wireTimeMs(chunk.length, this.baud);
                const last = offset + CHUNK_BYTES >= bytes.length;
                this.queue.push({ due: at, chunk, deliver, done: last ? resolve : undefined });
            }
            this.freeAt = at;
            this.pump();
        });
    }
    pump() {
        if (this.pumping)
            return;
        const head = this.queue[0];
        if (!head)
            return;
        this.pumping = true;
        runAt(head.due, () => {
            this.queue.shift();
            this.pumping = false;
            head.deliver(head.chunk);
            head.done?.();
            this.pump();
        });
    }
}
exports.WirePacer = WirePacer;
