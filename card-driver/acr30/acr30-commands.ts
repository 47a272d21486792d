// The ACR30 instruction set, reader status words, GET_ACR_STAT layout and the EXCHANGE_APDU wrapping
// rules (acr30-serial.md §1.1, §1.7, §1.8). Pure: shared by the host driver and the simulator.

export const INS = {
  GET_ACR_STAT: 0x01,
  SELECT_CARD_TYPE: 0x02,
  SET_PROTOCOL: 0x03,
  SET_NOTIFICATION: 0x06,
  SET_OPTION: 0x07,
  RESET: 0x80,
  POWER_OFF: 0x81,
  EXCHANGE_APDU: 0xa0,
} as const;

export const CARD_TYPE = { AUTO: 0x00, MCU_T0: 0x0c, MCU_T1: 0x0d } as const;

export const NOTIFY_ON = 0x01;
export const NOTIFY_OFF = 0x02;

/** SW1 of the unsolicited messages; SW2 says which one. */
export const UNSOLICITED_SW1 = 0xff;
export const UNSOLICITED = { RESET: 0x00, CARD_INSERTED: 0x01, CARD_REMOVED: 0x02 } as const;

export type AcrBaud = 9600 | 14400 | 19200 | 28800 | 38400 | 57600 | 115200;

const BAUD_CODES: ReadonlyArray<readonly [AcrBaud, number]> = [
  [9600, 0x12],
  [19200, 0x11],
  [38400, 0x10],
  [14400, 0x03],
  [28800, 0x02],
  [57600, 0x01],
  [115200, 0x00],
];

export const HARDWARE_BAUD: AcrBaud = 9600;

export function isAcrBaud(n: number): n is AcrBaud {
  return BAUD_CODES.some(([b]) => b === n);
}

export function baudCode(baud: AcrBaud): number {
  const found = BAUD_CODES.find(([b]) => b === baud);
  if (!found) throw new RangeError(`The ACR30 has no code for ${String(baud)} bps`);
  return found[1];
}

export function baudOfCode(code: number): AcrBaud | undefined {
  return BAUD_CODES.find(([, c]) => c === code)?.[0];
}

/** Appendix B, as far as the manual could be read; any other 60xx/67xx is a generic reader error. */
const READER_STATUS: Record<number, string> = {
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

export const READER_OK = 0x9000;
export const READER_NO_CARD = 0x6002;
export const READER_CARD_UNPOWERED = 0x6004;
export const READER_BAD_INS = 0x6005;
export const READER_WRONG_TYPE = 0x6701;
export const READER_LENGTH_ERROR = 0x6703;

export function describeReaderStatus(sw: number): string {
  return READER_STATUS[sw] ?? `reader error ${sw.toString(16).toUpperCase().padStart(4, '0')}`;
}

export function isReaderSuccess(sw1: number): boolean {
  return sw1 === 0x90;
}

export type CardState = 'absent' | 'present' | 'powered';

export interface AcrStat {
  /** INTERNAL: vendor bytes, read as a firmware name (openct does the same). */
  firmware: string;
  maxCommandBytes: number;
  maxResponseBytes: number;
  /** Bit n set = card type n supported. */
  supportedCardTypes: number;
  selectedCardType: number;
  cardState: CardState;
}

const C_STAT: Record<number, CardState> = { 0x00: 'absent', 0x01: 'present', 0x03: 'powered' };
const C_STAT_CODE: Record<CardState, number> = { absent: 0x00, present: 0x01, powered: 0x03 };

export function encodeAcrStat(stat: AcrStat): Buffer {
  const out = Buffer.alloc(16);
  out.write(stat.firmware.padEnd(10, ' ').slice(0, 10), 0, 'latin1');
  out[10] = stat.maxCommandBytes;
  out[11] = stat.maxResponseBytes;
  out.writeUInt16BE(stat.supportedCardTypes, 12);
  out[14] = stat.selectedCardType;
  out[15] = C_STAT_CODE[stat.cardState];
  return out;
}

export function parseAcrStat(data: Buffer): AcrStat | null {
  if (data.length !== 16) return null;
  const cardState = C_STAT[data[15]];
  if (!cardState) return null;
  return {
    firmware: data.subarray(0, 10).toString('latin1').trimEnd(),
    maxCommandBytes: data[10],
    maxResponseBytes: data[11],
    supportedCardTypes: data.readUInt16BE(12),
    selectedCardType: data[14],
    cardState,
  };
}

export type ApduWrapping = { ok: true; data: Buffer } | { ok: false; reason: string };

/**
 * ISO 7816-4 short APDU → EXCHANGE_APDU data `CLA INS P1 P2 Lc [data] Le` (§1.7): Lc and Le are always
 * present, and Le 00 means "no response data", so an ISO Le of 00 (= 256) cannot be expressed.
 */
export function wrapForExchange(apdu: Buffer): ApduWrapping {
  const n = apdu.length;
  if (n < 4) return { ok: false, reason: `an APDU has at least 4 bytes, got ${n}` };
  const header = apdu.subarray(0, 4);
  if (n === 4) return { ok: true, data: Buffer.concat([header, Buffer.from([0x00, 0x00])]) };
  const b4 = apdu[4];
  if (n === 5) {
    if (b4 === 0x00) return { ok: false, reason: 'Le 00 (256 bytes) cannot be sent through EXCHANGE_APDU' };
    return { ok: true, data: Buffer.concat([header, Buffer.from([0x00, b4])]) };
  }
  if (b4 === 0x00) return { ok: false, reason: 'extended-length APDUs cannot be sent through EXCHANGE_APDU' };
  if (n === 5 + b4) return { ok: true, data: Buffer.concat([apdu, Buffer.from([0x00])]) };
  if (n === 6 + b4) {
    if (apdu[n - 1] === 0x00) return { ok: false, reason: 'Le 00 (256 bytes) cannot be sent through EXCHANGE_APDU' };
    return { ok: true, data: apdu };
  }
  return { ok: false, reason: `Lc ${b4} disagrees with an APDU of ${n} bytes` };
}

export type ApduUnwrapping = { ok: true; apdu: Buffer; lc: number; le: number } | { ok: false };

/** The reader's view of EXCHANGE_APDU data: back to the ISO APDU the card receives. */
export function unwrapFromExchange(data: Buffer): ApduUnwrapping {
  if (data.length < 6) return { ok: false };
  const lc = data[4];
  if (data.length !== lc + 6) return { ok: false };
  const le = data[data.length - 1];
  const header = data.subarray(0, 4);
  const body = data.subarray(5, 5 + lc);
  const parts: Buffer[] = [header];
  if (lc > 0) parts.push(Buffer.from([lc]), body);
  if (le > 0) parts.push(Buffer.from([le]));
  return { ok: true, apdu: Buffer.concat(parts), lc, le };
}

export type ReplyFit = { fits: true } | { fits: false; why: string };

const NO_DATA_REPLIES: ReadonlySet<number> = new Set([
  INS.SELECT_CARD_TYPE,
  INS.SET_PROTOCOL,
  INS.SET_NOTIFICATION,
  INS.SET_OPTION,
  INS.POWER_OFF,
]);

/** ISO/IEC 7816-3 TS: direct (3B) or inverse (3F) convention; every ATR starts with one of them. */
const ATR_TS: ReadonlySet<number> = new Set([0x3b, 0x3f]);

/**
 * Whether `reply` can be the reader's answer to the command `ins` with `data` (§1.4, §1.7, §1.8). A
 * reply that cannot is someone else's (a late answer to a command given up on) and must never be
 * handed to this one. Reader errors (any SW1 but 90h) carry no data; a success carries the data the
 * instruction defines; an instruction the table does not know accepts anything.
 */
export function replyFits(ins: number, data: Buffer, reply: { sw1: number; sw2: number; data: Buffer }): ReplyFit {
  const n = reply.data.length;
  if (reply.sw1 === UNSOLICITED_SW1) return { fits: false, why: 'an unsolicited message is no reply' };
  if (!isReaderSuccess(reply.sw1)) {
    return n === 0 ? { fits: true } : { fits: false, why: `a reader error with ${n} data bytes` };
  }
  if (ins === INS.GET_ACR_STAT) {
    return parseAcrStat(reply.data) ? { fits: true } : { fits: false, why: `${n} data bytes, not a 16-byte reader status` };
  }
  if (NO_DATA_REPLIES.has(ins)) return n === 0 ? { fits: true } : { fits: false, why: `${n} data bytes where none are due` };
  if (ins === INS.RESET) {
    return n >= 2 && ATR_TS.has(reply.data[0]) ? { fits: true } : { fits: false, why: `${n} data bytes that are no ATR` };
  }
  if (ins === INS.EXCHANGE_APDU) {
    // Le (the last byte, "no data" when 00) bounds the card's data; the card's SW1 SW2 come last.
    const le = data.length > 0 ? data[data.length - 1] : 0;
    if (n < 2 || n > le + 2) return { fits: false, why: `${n} data bytes where Le ${le} allows 2 to ${le + 2}` };
    const cardSw1 = reply.data[n - 2];
    const isoSw1 = (cardSw1 >= 0x61 && cardSw1 <= 0x6f) || (cardSw1 >= 0x90 && cardSw1 <= 0x9f);
    return isoSw1 ? { fits: true } : { fits: false, why: `a card SW1 of ${cardSw1.toString(16).toUpperCase()}h` };
  }
  return { fits: true };
}
