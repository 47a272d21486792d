"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.PURSEFLOW_LEDGER = exports.TRANSFER_CODE = void 0;
// Why money moves: the ledger's transfer `code` (1..65535) for every flow of design.md.
exports.TRANSFER_CODE = {
    deposit: 1,
    foodVoucher: 2,
    downloadEcash: 10,
    downloadFood: 11,
    settlementEcash: 20,
    settlementFood: 21,
    merchantPayout: 30,
};
/** The one currency ledger of this deployment; the cards count 1/100 of it (spec §1, currency 0356). */
exports.PURSEFLOW_LEDGER = { id: 356, currency: 'INR', exponent: 2, name: 'inr' };
