import { decodeTransferFlags } from '../flags';
import type { Transfer } from '../transfer';

export interface TransferRecord {
  id: string;
  seq: string;
  debit_account_id: string;
  credit_account_id: string;
  amount: string;
  pending_id: string | null;
  ledger: number;
  code: number;
  flags: number;
  timeout: number;
  user_data: string | null;
  timestamp: Date;
}

export const TRANSFER_COLUMNS = 'id, seq, debit_account_id, credit_account_id, amount, pending_id, ledger, code, flags, timeout, user_data, "timestamp"';

export function toTransfer(r: TransferRecord): Transfer {
  return {
    id: r.id,
    debitAccountId: r.debit_account_id,
    creditAccountId: r.credit_account_id,
    amount: BigInt(r.amount),
    pendingId: r.pending_id,
    ledger: r.ledger,
    code: r.code,
    flags: decodeTransferFlags(r.flags),
    timeout: r.timeout,
    userData: r.user_data,
    timestamp: r.timestamp,
    seq: BigInt(r.seq),
  };
}
