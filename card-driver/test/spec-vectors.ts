// The spec's worked examples (spec/vectors.json), read as the contract every test checks against.
import * as fs from 'node:fs';
import * as path from 'node:path';

const file = process.env.PURSEFLOW_SPEC_VECTORS ?? path.join(__dirname, '..', '..', '..', 'shared', 'spec', 'vectors.json');

export interface Vectors {
  card: { CSN: string; ATR: string; KL: string; KP: string };
  mac_algorithm3: { key: string; message_ascii?: string; message?: string; mac: string }[];
  digits8: { mac4: string; digits: string }[];
  online_load: {
    ATC: number; purse: string; amount: number; RH: string; RC: string; session_key: string;
    apdus: { c: string; r: string }[]; MAC1: string; MAC2: string; MAC3: string;
  };
  offline_load: {
    ATC: number; purse: string; amount: number; session_key: string; MAC1: string; MAC2: string; MAC3: string;
    request_code: string; authorization_code: string; confirmation_code: string; credit_apdu: string;
  };
  purchase: {
    ATC: number; purse: string; amount: number; new_balance: number; SAM_id: string; SAM_seq: number;
    session_key: string; MACP: string; KS: string; debit_apdu: string; record: string;
  };
  estb: { transfer_card_id: string; KT: string; batch_seq: number; file: string };
}

export const vectors = JSON.parse(fs.readFileSync(file, 'utf8')) as Vectors;
export const hex = (s: string): Buffer => Buffer.from(s, 'hex');
export const toHex = (b: Buffer): string => b.toString('hex').toUpperCase();
