"use strict";
// The ACR30 instruction set, reader status words, GET_ACR_STAT layout and the EXCHANGE_APDU wrapping
// rules (acr30-serial.md §1.1, §1.7, §1.8). Pure: shared by the host driver and the simulator.
Object.defineProperty(exports, "__esModule", { value: true });
exports.READER_LENGTH_ERROR = exports.READER_WRONG_TYPE = exports.READER_CARD_FAILURE = exports.READER_BAD_INS = exports.READER_CARD_UNPOWERED = exports.READER_NO_CARD = exports.READER_OK = exports.HARDWARE_BAUD = exports.UNSOLICITED = exports.UNSOLICITED_SW1 = exports.NOTIFY_OFF = exports.NOTIFY_ON = exports.CARD_TYPE = exports.INS = void 0;
exports.isAcrBaud = isAcrBaud;
exports.baudCode = baudCode;
exports.baudOfCode = baudOfCode;
exports.describeReaderStatus = describeReaderStatus;
exports.isReaderSuccess = isReaderSuccess;
exports.encodeAcrStat = encodeAcrStat;
exports.parseAcrStat = parseAcrStat;
exports.wrapForExchange = wrapForExchange;
exports.unwrapFromExchange = unwrapFromExchange;
exports.INS = {
    GET_ACR_STAT: 0x01,
    SELECT_CARD_TYPE: 0x02,
    SET_PROTOCOL: 0x03,
    SET_NOTIFICATION: 0x06,
    SET_OPTION: 0x07,
    RESET: 0x80,
    POWER_OFF: 0x81,
    EXCHANGE_APDU: 0xa0,
};
exports.CARD_TYPE = { AUTO: 0x00, MCU_T0: 0x0c, MCU_T1: 0x0d };
exports.NOTIFY_ON = 0x01;
exports.NOTIFY_OFF = 0x02;
/** SW1 of the unsolicited messages; SW2 says which one. */
exports.UNSOLICITED_SW1 = 0xff;
exports.UNSOLICITED = { RESET: 0x00, CARD_INSERTED: 0x01, CARD_REMOVED: 0x02 };
const BAUD_CODES = [
    [9600, 0x12],
    [19200, 0x11],
    [38400, 0x10],
    [14400, 0x03],
    [28800, 0x02],
    [57600, 0x01],
    [115200, 0x00],
];
exports.HARDWARE_BAUD = 9600;
function isAcrBaud(n) {
    return BAUD_CODES.some(([b]) => b === n);
}
function baudCode(baud) {
    const found = BAUD_CODES.find(([b]) => b === baud);
    if (!found)
        throw new RangeError(`The ACR30 has no code for ${String(baud)} bps`);
    return found[1];
}
function baudOfCode(code) {
    return BAUD_CODES.find(([, c]) => c === code)?.[0];
}
/** Appendix B, as far as the manual could be read; any other 60xx/67xx is a generic reader error. */
const READER_STATUS = {
    0x9000: 'OK',
    0x9001: 'OK, card uses T=1',
    0x9010: 'OK, synchronous memory card',
    0x6001: 'no card type selected',
    0x6002: 'no card in the reader',
    0x6003: 'wrong card type specified',
    0x6004: 'card not powered up (or removed during the access)',
    0x6005: 'invalid instruction code',
    0x6020: 'card failure',
    0x6022: 'short circuit at the card connector',
    0x6701: 'command not compatible with the card type',
    0x6702: 'card address error',
    0x6703: 'data length error',
    0x6704: 'invalid response length',
    0x6712: 'APDU aborted',
};
exports.READER_OK = 0x9000;
exports.READER_NO_CARD = 0x6002;
exports.READER_CARD_UNPOWERED = 0x6004;
exports.READER_BAD_INS = 0x6005;
exports.READER_CARD_FAILURE = 0x6020;
exports.READER_WRONG_TYPE = 0x6701;
exports.READER_LENGTH_ERROR = 0x6703;
function describeReaderStatus(sw) {
    return READER_STATUS[sw] ?? `reader error ${sw.toString(16).toUpperCase().padStart(4, '0')}`;
}
function isReaderSuccess(sw1) {
    return sw1 === 0x90;
}
const C_STAT = { 0x00: 'absent', 0x01: 'present', 0x03: 'powered' };
const C_STAT_CODE = { absent: 0x00, present: 0x01, powered: 0x03 };
function encodeAcrStat(stat) {
    const out = Buffer.alloc(16);
    out.write(stat.firmware.padEnd(10, ' ').slice(0, 10), 0, 'latin1');
    out[10] = stat.maxCommandBytes;
    out[11] = stat.maxResponseBytes;
    out.writeUInt16BE(stat.supportedCardTypes, 12);
    out[14] = stat.selectedCardType;
    out[15] = C_STAT_CODE[stat.cardState];
    return out;
}
function parseAcrStat(data) {
    if (data.length !== 16)
        return null;
    const cardState = C_STAT[data[15]];
    if (!cardState)
        return null;
    return {
        firmware: data.subarray(0, 10).toString('latin1').trimEnd(),
        maxCommandBytes: data[10],
        maxResponseBytes: data[11],
        supportedCardTypes: data.readUInt16BE(12),
        selectedCardType: data[14],
        cardState,
    };
}
/**
 * ISO 7816-4 short APDU → EXCHANGE_APDU data `CLA INS P1 P2 Lc [data] Le` (§1.7): Lc and Le are always
 * present, and Le 00 means "no response data", so an ISO Le of 00 (= 256) cannot be expressed.
 */
function wrapForExchange(apdu) {
    const n = apdu.length;
    if (n < 4)
        return { ok: false, reason: `an APDU has at least 4 bytes, got ${n}` };
    const header = apdu.subarray(0, 4);
    if (n === 4)
        return { ok: true, data: Buffer.concat([header, Buffer.from([0x00, 0x00])]) };
    const b4 = apdu[4];
    if (n === 5) {
        if (b4 === 0x00)
            return { ok: false, reason: 'Le 00 (256 bytes) cannot be sent through EXCHANGE_APDU' };
        return { ok: true, data: Buffer.concat([header, Buffer.from([0x00, b4])]) };
    }
    if (b4 === 0x00)
        return { ok: false, reason: 'extended-length APDUs cannot be sent through EXCHANGE_APDU' };
    if (n === 5 + b4)
        return { ok: true, data: Buffer.concat([apdu, Buffer.from([0x00])]) };
    if (n === 6 + b4) {
        if (apdu[n - 1] === 0x00)
            return { ok: false, reason: 'Le 00 (256 bytes) cannot be sent through EXCHANGE_APDU' };
        return { ok: true, data: apdu };
    }
    return { ok: false, reason: `Lc ${b4} disagrees with an APDU of ${n} bytes` };
}
/** The reader's view of EXCHANGE_APDU data: back to the ISO APDU the card receives. */
function unwrapFromExchange(data) {
    if (data.length < 6)
        return { ok: false };
    const lc = data[4];
    if (data.length !== lc + 6)
        return { ok: false };
    const le = data[data.length - 1];
    const header = data.subarray(0, 4);
    const body = data.subarray(5, 5 + lc);
    const parts = [header];
    if (lc > 0)
        parts.push(Buffer.from([lc]), body);
    if (le > 0)
        parts.push(Buffer.from([le]));
    return { ok: true, apdu: Buffer.concat(parts), lc, le };
}
