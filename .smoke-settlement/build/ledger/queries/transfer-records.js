"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.TRANSFER_COLUMNS = void 0;
exports.toTransfer = toTransfer;
const flags_1 = require("../flags");
exports.TRANSFER_COLUMNS = 'id, seq, debit_account_id, credit_account_id, amount, pending_id, ledger, code, flags, timeout, user_data, "timestamp"';
function toTransfer(r) {
    return {
        id: r.id,
        debitAccountId: r.debit_account_id,
        creditAccountId: r.credit_account_id,
        amount: BigInt(r.amount),
        pendingId: r.pending_id,
        ledger: r.ledger,
        code: r.code,
        flags: (0, flags_1.decodeTransferFlags)(r.flags),
        timeout: r.timeout,
        userData: r.user_data,
        timestamp: r.timestamp,
        seq: BigInt(r.seq),
    };
}
