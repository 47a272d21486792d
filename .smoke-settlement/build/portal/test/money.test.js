"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const money_1 = require("../money");
describe('download amounts typed by people', () => {
    test('"25.00", "25.5" and "25" are 2500, 2550 and 2500 minor units', () => {
        expect([(0, money_1.parseDownloadAmount)('25.00'), (0, money_1.parseDownloadAmount)('25.5'), (0, money_1.parseDownloadAmount)(' 25 ')]).toEqual([2500n, 2550n, 2500n]);
    });
    test.each([
        ['0', 'amount_zero'],
        ['0.00', 'amount_zero'],
        ['-1.00', 'amount_negative'],
        ['1.001', 'amount_too_precise'],
        ['42949672.96', 'amount_too_large'],
        ['1e3', 'amount_malformed'],
        ['1,50', 'amount_malformed'],
        ['+5', 'amount_malformed'],
        ['', 'amount_malformed'],
    ])('"%s" is refused as %s', (typed, code) => {
        expect(() => (0, money_1.parseDownloadAmount)(typed)).toThrow(expect.objectContaining({ code, field: 'amount' }));
    });
    test('the largest amount a card takes in one load is accepted', () => {
        expect((0, money_1.parseDownloadAmount)('42949672.95')).toBe(money_1.CARD_AMOUNT_MAX_MINOR);
    });
    test('a huge amount never goes through a float', () => {
        expect(() => (0, money_1.parseDownloadAmount)('9007199254740993.01')).toThrow(expect.objectContaining({ code: 'amount_too_large' }));
    });
    test('minor units format with two decimals, signs kept', () => {
        expect([(0, money_1.formatMinor)(5n), (0, money_1.formatMinor)(123456n), (0, money_1.formatMinor)(-250n)]).toEqual(['0.05', '1234.56', '-2.50']);
    });
});
