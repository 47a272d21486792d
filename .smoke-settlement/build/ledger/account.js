"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ACCOUNT_NORMAL_SIDE = exports.ACCOUNT_CODES = void 0;
exports.isAccountCode = isAccountCode;
/** Account codes of design.md. Workflows pick accounts by these names. */
exports.ACCOUNT_CODES = ['customer_cash', 'customer_food', 'float_ecash', 'float_food', 'merchant_payable', 'bank', 'programme'];
function isAccountCode(value) {
    return typeof value === 'string' && exports.ACCOUNT_CODES.includes(value);
}
exports.ACCOUNT_NORMAL_SIDE = {
    customer_cash: 'credit',
    customer_food: 'credit',
    float_ecash: 'credit',
    float_food: 'credit',
    merchant_payable: 'credit',
    bank: 'debit',
    programme: 'debit',
};
