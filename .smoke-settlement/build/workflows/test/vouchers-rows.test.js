"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
// The voucher file's line rules as pure functions; vouchers.test.ts proves them end to end.
const voucher_rows_1 = require("../vouchers/voucher-rows");
const voucher_types_1 = require("../vouchers/voucher-types");
const voucher_activities_1 = require("../vouchers/voucher-activities");
describe('a voucher file line', () => {
    it('reads customer and amount in minor units', () => {
        expect((0, voucher_rows_1.parseVoucherLine)(2, 'alice,250.00')).toEqual({ ok: true, row: { line: 2, customerId: 'alice', amountMinor: 25000n } });
        expect((0, voucher_rows_1.parseVoucherLine)(3, ' "bob" , 7 ')).toEqual({ ok: true, row: { line: 3, customerId: 'bob', amountMinor: 700n } });
    });
    it.each([
        ['alice,0', 'amount_zero'],
        ['alice,0.00', 'amount_zero'],
        ['alice,-1.00', 'amount_negative'],
        ['alice,1.005', 'amount_too_precise'],
        ['alice,42949673.00', 'amount_too_large'],
        ['alice,99999999999999999999.00', 'amount_too_large'],
        ['alice,1e3', 'amount_malformed'],
        ['alice,', 'amount_malformed'],
        ['alice', 'malformed_row'],
        ['alice,1,00', 'malformed_row'],
        [',5.00', 'malformed_row'],
    ])('refuses %j as %s', (text, reason) => {
        expect((0, voucher_rows_1.parseVoucherLine)(4, text)).toEqual({ ok: false, rejection: { line: 4, reason, text } });
    });
    it('accepts the largest amount a purse can hold', () => {
        expect((0, voucher_rows_1.parseVoucherLine)(2, 'alice,42949672.95')).toMatchObject({ ok: true, row: { amountMinor: voucher_types_1.MAX_VOUCHER_MINOR } });
    });
    it('recognises the header with any case, spaces and a byte-order mark', () => {
        expect((0, voucher_rows_1.isVoucherHeader)('\uFEFFCustomer_ID , Amount')).toBe(true);
        expect((0, voucher_rows_1.isVoucherHeader)('customer,amount')).toBe(false);
    });
    it('names each voucher by the file and the line', () => {
        expect((0, voucher_rows_1.voucherIdOf)('ab'.repeat(32), 7)).toBe(`csv/${'ab'.repeat(32)}/7`);
    });
    it('splits lines with their byte offsets, CRLF or LF, with or without a final newline', () => {
        const bytes = Buffer.from('h\r\né,1\nx');
        expect((0, voucher_activities_1.linesOf)(bytes)).toEqual([
            { start: 0, end: 3, text: 'h' },
            { start: 3, end: 8, text: 'é,1' },
            { start: 8, end: 9, text: 'x' },
        ]);
    });
});
