"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SELECT_ANY = exports.COUNT = exports.ECHO = exports.EchoCard = void 0;
const SW_OK = Buffer.from([0x90, 0x00]);
function atrWithTck(body) {
    const tck = body.slice(1).reduce((x, b) => x ^ b, 0);
    return Buffer.from([...body, tck]);
}
class EchoCard {
    /** T=1 ATR with historical bytes "ECHOCARD". */
    atr = atrWithTck([0x3b, 0x88, 0x80, 0x01, ...Buffer.from('ECHOCARD', 'latin1')]);
    /** How many times COUNT (80 C5) ran: lets a test tell "executed" from "never arrived". */
    counter = 0;
    seen = [];
    powerOffs = 0;
    process(apdu) {
        this.seen.push(Buffer.from(apdu));
        const [cla, ins] = apdu;
        if (cla === 0x00 && ins === 0xa4)
            return SW_OK;
        if (cla === 0x80 && ins === 0xee) {
            // ECHO: case 3 or 4; returns the command data.
            const lc = apdu[4] ?? 0;
            return Buffer.concat([apdu.subarray(5, 5 + lc), SW_OK]);
        }
        if (cla === 0x80 && ins === 0xc5) {
            this.counter += 1;
            return Buffer.from([this.counter >> 8, this.counter & 0xff, 0x90, 0x00]);
        }
        return Buffer.from([0x6d, 0x00]);
    }
    powerOff() {
        this.powerOffs += 1;
    }
}
exports.EchoCard = EchoCard;
const ECHO = (data) => Buffer.concat([Buffer.from([0x80, 0xee, 0x00, 0x00, data.length]), data, Buffer.from([data.length])]);
exports.ECHO = ECHO;
exports.COUNT = Buffer.from([0x80, 0xc5, 0x00, 0x00, 0x02]);
exports.SELECT_ANY = Buffer.from([0x00, 0xa4, 0x04, 0x00, 0x02, 0x3f, 0x00]);
