"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.AcrLineDecoder = exports.NAK = exports.ETX = exports.STX = void 0;
exports.toWire = toWire;
// The ACR30 serial line (acr30-serial.md §1.2, §1.5): every message is STX, its bytes as upper-case
// hex text, ETX — except NOT ACKNOWLEDGE, the two raw bytes 05 05. The decoder is a byte-at-a-time
// state machine fed by whatever chunks the port delivers, so split frames, glued frames and line
// noise all land in one place. It never throws on input.
const acr30_frame_1 = require("./acr30-frame");
exports.STX = 0x02;
exports.ETX = 0x03;
const NAK_BYTE = 0x05;
exports.NAK = Buffer.from([NAK_BYTE, NAK_BYTE]);
/** Longest legal message: header, two status bytes, 3-byte length, data, checksum; as hex. */
const MAX_HEX_CHARS = 2 * (1 + 2 + 3 + acr30_frame_1.MAX_DATA + 1);
function toWire(message) {
    const hex = message.toString('hex').toUpperCase();
    const out = Buffer.allocUnsafe(hex.length + 2);
    out[0] = exports.STX;
    out.write(hex, 1, 'latin1');
    out[out.length - 1] = exports.ETX;
    return out;
}
function hexValue(byte) {
    if (byte >= 0x30 && byte <= 0x39)
        return byte - 0x30;
    if (byte >= 0x41 && byte <= 0x46)
        return byte - 0x41 + 10; // 'A'-'F'
    if (byte >= 0x61 && byte <= 0x66)
        return byte - 0x61 + 10; // 'a'-'f': the reader accepts either case
    return -1;
}
class AcrLineDecoder {
    state = 'idle';
    hex = [];
    noise = 0;
    skipReason = 'bad_hex';
    push(chunk) {
        const events = [];
        for (const byte of chunk)
            this.step(byte, events);
        this.flushNoise(events);
        return events;
    }
    flushNoise(events) {
        if (this.noise > 0) {
            events.push({ kind: 'noise', count: this.noise });
            this.noise = 0;
        }
    }
    step(byte, events) {
        switch (this.state) {
            case 'nak1':
                if (byte === NAK_BYTE) {
                    this.flushNoise(events);
                    events.push({ kind: 'nak' });
                    this.state = 'idle';
                    return;
                }
                this.noise += 1; // the lone 05 before this byte
                this.state = 'idle';
                this.step(byte, events);
                return;
            case 'idle':
                if (byte === exports.STX)
                    this.startFrame(events);
                else if (byte === NAK_BYTE)
                    this.state = 'nak1';
                else
                    this.noise += 1;
                return;
            case 'skip':
                // A broken frame: wait for its ETX (or a new STX) before listening again.
                if (byte === exports.ETX) {
                    events.push({ kind: 'bad-frame', reason: this.skipReason });
                    this.state = 'idle';
                }
                else if (byte === exports.STX) {
                    events.push({ kind: 'bad-frame', reason: this.skipReason });
                    this.startFrame(events);
                }
                return;
            case 'frame':
                if (byte === exports.ETX)
                    this.endFrame(events);
                else if (byte === exports.STX) {
                    events.push({ kind: 'bad-frame', reason: 'interrupted' });
                    this.startFrame(events);
                }
                else if (hexValue(byte) < 0) {
                    this.skip('bad_hex');
                }
                else if (this.hex.length >= MAX_HEX_CHARS) {
                    this.skip('too_long');
                }
                else {
                    this.hex.push(byte);
                }
                return;
        }
    }
    startFrame(events) {
        this.flushNoise(events);
        this.state = 'frame';
        this.hex = [];
    }
    skip(reason) {
        this.state = 'skip';
        this.skipReason = reason;
        this.hex = [];
    }
    endFrame(events) {
        this.state = 'idle';
        const hex = this.hex;
        this.hex = [];
        if (hex.length % 2 !== 0) {
            events.push({ kind: 'bad-frame', reason: 'odd_hex' });
            return;
        }
        const bytes = Buffer.allocUnsafe(hex.length / 2);
        for (let i = 0; i < bytes.length; i += 1)
            bytes[i] = (hexValue(hex[2 * i]) << 4) | hexValue(hex[2 * i + 1]);
        events.push({ kind: 'frame', bytes });
    }
}
exports.AcrLineDecoder = AcrLineDecoder;
