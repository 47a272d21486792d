"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SettlementError = void 0;
exports.assertSettlement = assertSettlement;
class SettlementError extends Error {
    code;
    name = 'SettlementError';
    constructor(code, message, options) {
        super(message, options);
        this.code = code;
    }
}
exports.SettlementError = SettlementError;
/** Fails loudly when settlement's own assumptions do not hold (TigerBeetle style). */
function assertSettlement(condition, what) {
    if (!condition) {
        throw new SettlementError('invariant_broken', `settlement invariant broken: ${what}. This is a bug in workflows/settlement; report it with the batch that triggered it.`);
    }
}
