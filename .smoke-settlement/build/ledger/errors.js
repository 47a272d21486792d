"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.LedgerError = void 0;
exports.assertLedger = assertLedger;
class LedgerError extends Error {
    code;
    name = 'LedgerError';
    constructor(code, message, options) {
        super(message, options);
        this.code = code;
    }
}
exports.LedgerError = LedgerError;
/** Fails loudly when an assumption of the ledger's own code does not hold (TigerBeetle style). */
function assertLedger(condition, what) {
    if (!condition) {
        throw new LedgerError('invariant_broken', `ledger invariant broken: ${what}. This is a bug in ledger/; report it with the operation that triggered it.`);
    }
}
