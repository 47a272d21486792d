// A card's transaction log record (spec 4.4), 28 bytes.
import { assertAtc, purseId, type PurseId } from './identity';
import { EsmartError } from './protocol-error';

export const LOG_RECORD_BYTES = 28;
export const LOG_CAPACITY = 10;

export type LogRecordType = 'load' | 'purchase';

export interface LogRecord {
  type: LogRecordType;
  purse: PurseId;
  atc: number;
  amount: bigint;
  balanceAfter: bigint;
  /** RH for a load, the SAM id for a purchase. */
  counterparty: Buffer;
  /** 0 for a load, the SAM sequence number for a purchase. */
  seq: number;
  /** MAC3 for a load, MACP for a purchase. */
  mac: Buffer;
}

const TYPE_BYTE: Record<LogRecordType, number> = { load: 0x01, purchase: 0x02 };

export function encodeLogRecord(r: LogRecord): Buffer {
  assertAtc(r.atc);
  if (r.counterparty.length !== 8 || r.mac.length !== 4) throw new EsmartError('invalid_field', 'A log record has an 8-byte counterparty and a 4-byte MAC.');
  const b = Buffer.alloc(LOG_RECORD_BYTES);
  b[0] = TYPE_BYTE[r.type];
  b[1] = r.purse;
  b.writeUInt16BE(r.atc, 2);
  b.writeUInt32BE(Number(r.amount), 4);
  b.writeUInt32BE(Number(r.balanceAfter), 8);
  r.counterparty.copy(b, 12);
  b.writeUInt32BE(r.seq, 20);
  r.mac.copy(b, 24);
  return b;
}

export function decodeLogRecord(bytes: Buffer): LogRecord {
  if (bytes.length !== LOG_RECORD_BYTES) {
    throw new EsmartError('malformed_response', `A log record is ${LOG_RECORD_BYTES} bytes; the card sent ${bytes.length}.`);
  }
  const type = bytes[0] === 0x01 ? 'load' : bytes[0] === 0x02 ? 'purchase' : undefined;
  if (!type) throw new EsmartError('malformed_response', `Log record type ${bytes[0]} is neither load (01) nor purchase (02).`);
  let purse: PurseId;
  try {
    purse = purseId(bytes[1]);
  } catch {
    throw new EsmartError('malformed_response', `Log record purse ${bytes[1]} is neither 01 nor 02.`);
  }
  return {
    type,
    purse,
    atc: bytes.readUInt16BE(2),
    amount: BigInt(bytes.readUInt32BE(4)),
    balanceAfter: BigInt(bytes.readUInt32BE(8)),
    counterparty: Buffer.from(bytes.subarray(12, 20)),
    seq: bytes.readUInt32BE(20),
    mac: Buffer.from(bytes.subarray(24, 28)),
  };
}
