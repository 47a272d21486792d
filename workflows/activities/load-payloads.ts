// What crosses Temporal about a load: plain JSON (hex strings, minor units as decimal strings),
// never Buffers, bigints or keys. These turn payloads into card-driver's typed values at the edge
// of each activity, and refuse malformed ones loudly (a bug, not a customer error).
import { ApplicationFailure } from '@temporalio/common';
import { parseCsn, PURSE, type Csn, type LoadCredit, type LoadSession, type PurseId } from '../../card-driver';
import type { PurseName } from '../download/download-contract';

/** MAC3 covers these (spec 4.1). */
export interface LoadCreditPayload {
  csn: string;
  atc: number;
  purse: PurseName;
  amountMinor: string;
}

/** MAC1 and MAC2 also cover both randoms (zeros offline). */
export interface LoadSessionPayload extends LoadCreditPayload {
  rhHex: string;
  rcHex: string;
}

function malformed(what: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'payload_malformed', nonRetryable: true, message: `Malformed ${what} in an activity payload; this is a bug in workflows/.` });
}

export function csnOf(text: string): Csn {
  try {
    return parseCsn(text);
  } catch {
    throw malformed('card serial number');
  }
}

export function purseIdOf(purse: PurseName): PurseId {
  if (purse === 'ecash') return PURSE.ecash;
  if (purse === 'food') return PURSE.food;
  throw malformed('purse');
}

export function minorOf(text: string): bigint {
  if (typeof text !== 'string' || !/^(0|[1-9][0-9]*)$/.test(text)) throw malformed('amount');
  return BigInt(text);
}

export function bytesOf(hex: string, length: number, what: string): Buffer {
  if (typeof hex !== 'string' || hex.length !== length * 2 || !/^[0-9A-Fa-f]*$/.test(hex)) throw malformed(what);
  return Buffer.from(hex, 'hex');
}

export function loadCreditOf(p: LoadCreditPayload): LoadCredit {
  if (!Number.isInteger(p.atc) || p.atc < 1 || p.atc > 0xffff) throw malformed('ATC');
  return { csn: csnOf(p.csn), atc: p.atc, purse: purseIdOf(p.purse), amount: minorOf(p.amountMinor) };
}

export function loadSessionOf(p: LoadSessionPayload): LoadSession {
  return { ...loadCreditOf(p), rh: bytesOf(p.rhHex, 8, 'RH'), rc: bytesOf(p.rcHex, 8, 'RC') };
}

export function hex(b: Buffer): string {
  return b.toString('hex').toUpperCase();
}
