"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const index_1 = require("../index");
function codeOf(fn) {
    try {
        fn();
    }
    catch (err) {
        if (err instanceof index_1.AmountError)
            return err.code;
        throw err;
    }
    throw new Error('expected an AmountError');
}
describe('parseAmount', () => {
    test('turns a decimal string into minor units of the currency', () => {
        expect((0, index_1.parseAmount)('250.00', 2)).toBe(25000n);
        expect((0, index_1.parseAmount)('0.01', 2)).toBe(1n);
        expect((0, index_1.parseAmount)('7', 2)).toBe(700n);
        expect((0, index_1.parseAmount)('12.5', 2)).toBe(1250n);
        expect((0, index_1.parseAmount)('3', 0)).toBe(3n);
    });
    test('is exact for amounts beyond what a JS float holds', () => {
        expect((0, index_1.parseAmount)('92233720368547758.07', 2)).toBe(index_1.MAX_AMOUNT);
    });
    test('refuses zero', () => expect(codeOf(() => (0, index_1.parseAmount)('0.00', 2))).toBe('amount_zero'));
    test('refuses negative amounts', () => expect(codeOf(() => (0, index_1.parseAmount)('-5.00', 2))).toBe('amount_negative'));
    test('refuses more decimal places than the currency has', () => expect(codeOf(() => (0, index_1.parseAmount)('1.001', 2))).toBe('amount_too_precise'));
    test('refuses amounts that do not fit in a bigint column', () => expect(codeOf(() => (0, index_1.parseAmount)('92233720368547758.08', 2))).toBe('amount_too_large'));
    test.each(['', 'abc', '1e3', ' 1.00', '1,00', '+5', '1.', '.5', '01.00', 'NaN', 'Infinity'])('refuses the malformed text %j', (text) => {
        expect(codeOf(() => (0, index_1.parseAmount)(text, 2))).toBe('amount_malformed');
    });
    test('refuses a non-string', () => expect(codeOf(() => (0, index_1.parseAmount)(12.5, 2))).toBe('amount_malformed'));
    test('refuses an impossible currency exponent', () => expect(codeOf(() => (0, index_1.parseAmount)('1.00', 2.5))).toBe('exponent_invalid'));
    test('errors tell the caller what to do', () => {
        expect(() => (0, index_1.parseAmount)('1.001', 2)).toThrow(/round it/);
    });
});
describe('formatAmount', () => {
    test('writes minor units with exactly the currency exponent', () => {
        expect((0, index_1.formatAmount)(25000n, 2)).toBe('250.00');
        expect((0, index_1.formatAmount)(1n, 2)).toBe('0.01');
        expect((0, index_1.formatAmount)(0n, 2)).toBe('0.00');
        expect((0, index_1.formatAmount)(5n, 0)).toBe('5');
    });
    test('keeps the sign of negative balances', () => expect((0, index_1.formatAmount)(-1050n, 2)).toBe('-10.50'));
    test('round-trips every parsed amount', () => {
        for (const text of ['0.01', '1.00', '999999.99', '92233720368547758.07'])
            expect((0, index_1.formatAmount)((0, index_1.parseAmount)(text, 2), 2)).toBe(text);
    });
});
