// The e-Smart commands of spec §4 as pure builders (→ command APDU bytes) and parsers (response
// data → typed values). The session driver and the simulated pocket and POS all use these.
import { encodeCommand } from '../apdu/command-apdu';
import { parseResponse, type ResponseApdu } from '../apdu/response-apdu';
import { formatSw, SW } from '../apdu/status-word';
import {
  AID,
  amountBytes,
  assertTransactionAmount,
  csnFromBytes,
  hexIdToBytes,
  purseId,
  u32,
  type Csn,
  type PurseId,
  type SamId,
} from './identity';
import { decodeLogRecord, LOG_RECORD_BYTES, type LogRecord } from './log-record';
import { EsmartError } from './protocol-error';
import { RANDOM_BYTES } from './transaction-macs';

export const CLA_ISO = 0x00;
export const CLA_ESMART = 0x80;
export const INS = {
  select: 0xa4,
  getBalance: 0x5c,
  initializeLoad: 0x50,
  creditLoad: 0x52,
  debit: 0x56,
  readLog: 0xb2,
} as const;

export type LoadMode = 'online' | 'offline';
export const P1_MODE: Record<LoadMode, number> = { online: 0x00, offline: 0x01 };

export const SELECT_RESPONSE_BYTES = 15;
export const INITIALIZE_LOAD_RESPONSE_BYTES = 18;

export function selectCommand(): Buffer {
  return encodeCommand({ cla: CLA_ISO, ins: INS.select, p1: 0x04, p2: 0x00, data: AID, ne: SELECT_RESPONSE_BYTES });
}

export function getBalanceCommand(purse: PurseId): Buffer {
  return encodeCommand({ cla: CLA_ESMART, ins: INS.getBalance, p1: 0x00, p2: purseId(purse), data: Buffer.alloc(0), ne: 4 });
}

export function initializeLoadCommand(p: { mode: LoadMode; purse: PurseId; amount: bigint; rh: Buffer }): Buffer {
  assertTransactionAmount(p.amount);
  if (p.rh.length !== RANDOM_BYTES) throw new EsmartError('invalid_field', 'RH is 8 bytes.');
  return encodeCommand({
    cla: CLA_ESMART,
    ins: INS.initializeLoad,
    p1: P1_MODE[p.mode],
    p2: purseId(p.purse),
    data: Buffer.concat([amountBytes(p.amount), p.rh]),
    ne: INITIALIZE_LOAD_RESPONSE_BYTES,
  });
}

/** `auth` is MAC2 online, or the 8 authorization digits as a 4-byte integer offline. */
export function creditLoadCommand(p: { mode: LoadMode; purse: PurseId; amount: bigint; auth: Buffer }): Buffer {
  assertTransactionAmount(p.amount);
  if (p.auth.length !== 4) throw new EsmartError('invalid_field', 'The CREDIT LOAD authorization is 4 bytes.');
  return encodeCommand({
    cla: CLA_ESMART,
    ins: INS.creditLoad,
    p1: P1_MODE[p.mode],
    p2: purseId(p.purse),
    data: Buffer.concat([amountBytes(p.amount), p.auth]),
    ne: 8,
  });
}

export function debitCommand(p: { purse: PurseId; amount: bigint; samId: SamId; samSeq: number }): Buffer {
  assertTransactionAmount(p.amount);
  if (!Number.isInteger(p.samSeq) || p.samSeq < 0 || p.samSeq > 0xffffffff) throw new EsmartError('invalid_field', 'A SAM sequence number is 0..2^32-1.');
  return encodeCommand({
    cla: CLA_ESMART,
    ins: INS.debit,
    p1: 0x00,
    p2: purseId(p.purse),
    data: Buffer.concat([amountBytes(p.amount), hexIdToBytes(p.samId), u32(p.samSeq)]),
    ne: 8,
  });
}

/** READ LOG record n, 1 = newest. */
export function readLogCommand(n: number): Buffer {
  if (!Number.isInteger(n) || n < 1 || n > 0xff) throw new EsmartError('invalid_field', `A log record number is 1..255; got ${n}.`);
  return encodeCommand({ cla: CLA_ESMART, ins: INS.readLog, p1: n, p2: 0x00, data: Buffer.alloc(0), ne: LOG_RECORD_BYTES });
}

/** The response's data when the card answered 9000; otherwise a `card_refused` error carrying the SW. */
export function successData(response: Buffer, command: string): Buffer {
  let r: ResponseApdu;
  try {
    r = parseResponse(response);
  } catch {
    throw new EsmartError('malformed_response', `The card's answer to ${command} is not a response APDU (${response.length} bytes); check the reader and the card.`);
  }
  if (r.sw !== SW.SUCCESS) {
    throw new EsmartError('card_refused', `The card refused ${command}: ${formatSw(r.sw)} ${r.status.meaning}.`, r.sw);
  }
  return r.data;
}

function expectLength(data: Buffer, length: number, command: string): void {
  if (data.length !== length) {
    throw new EsmartError('malformed_response', `${command} answers ${length} data bytes; the card sent ${data.length}.`);
  }
}

export interface CardInfo {
  csn: Csn;
  version: number;
  /** ISO 4217 numeric, 4 digits as on the card (BCD), e.g. "0356". */
  currency: string;
  maxBalance: bigint;
}

export function parseSelectData(data: Buffer): CardInfo {
  expectLength(data, SELECT_RESPONSE_BYTES, 'SELECT');
  let csn: Csn;
  try {
    csn = csnFromBytes(data.subarray(0, 8));
  } catch {
    throw new EsmartError('malformed_response', 'The card answered SELECT with a CSN that is not 16 digits with a valid check digit.');
  }
  const currency = data.subarray(9, 11).toString('hex');
  if (!/^[0-9]{4}$/.test(currency)) throw new EsmartError('malformed_response', 'The card answered SELECT with a currency that is not BCD.');
  return { csn, version: data[8], currency, maxBalance: BigInt(data.readUInt32BE(11)) };
}

export function parseBalanceData(data: Buffer): bigint {
  expectLength(data, 4, 'GET BALANCE');
  return BigInt(data.readUInt32BE(0));
}

export interface InitializeLoadAnswer {
  atc: number;
  balance: bigint;
  rc: Buffer;
  mac1: Buffer;
}

export function parseInitializeLoadData(data: Buffer): InitializeLoadAnswer {
  expectLength(data, INITIALIZE_LOAD_RESPONSE_BYTES, 'INITIALIZE LOAD');
  return {
    atc: data.readUInt16BE(0),
    balance: BigInt(data.readUInt32BE(2)),
    rc: Buffer.from(data.subarray(6, 14)),
    mac1: Buffer.from(data.subarray(14, 18)),
  };
}

export interface CreditLoadAnswer {
  newBalance: bigint;
  mac3: Buffer;
}

export function parseCreditLoadData(data: Buffer): CreditLoadAnswer {
  expectLength(data, 8, 'CREDIT LOAD');
  return { newBalance: BigInt(data.readUInt32BE(0)), mac3: Buffer.from(data.subarray(4, 8)) };
}

export interface DebitAnswer {
  newBalance: bigint;
  macp: Buffer;
}

export function parseDebitData(data: Buffer): DebitAnswer {
  expectLength(data, 8, 'DEBIT');
  return { newBalance: BigInt(data.readUInt32BE(0)), macp: Buffer.from(data.subarray(4, 8)) };
}

export function parseLogData(data: Buffer): LogRecord {
  return decodeLogRecord(data);
}

