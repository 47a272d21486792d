"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const jest_1 = require("@fast-check/jest");
const offline_code_1 = require("../offline-code");
describe('offline codes (spec 4.2)', () => {
    test('the Luhn digit of the textbook example 7992739871 is 3', () => {
        expect((0, offline_code_1.luhnCheckDigit)('7992739871')).toBe(3);
    });
    test('the codes of the spec’s offline load vector are accepted', () => {
        // spec/vectors.json, offline_load
        expect((0, offline_code_1.parseOfflineCode)('request', '00002628825941')).toBe('00002628825941');
        expect((0, offline_code_1.parseOfflineCode)('authorization', '094 868 981')).toBe('094868981');
        expect((0, offline_code_1.parseOfflineCode)('confirmation', '454898552')).toBe('454898552');
    });
    test('spaces and dashes between groups are accepted', () => {
        expect((0, offline_code_1.parseOfflineCode)('authorization', '123 456 78-2')).toBe('123456782');
    });
    test.each([
        ['request', '1234567890123', 'code_malformed'],
        ['request', '123456789012345', 'code_malformed'],
        ['confirmation', '12345678a', 'code_malformed'],
        ['confirmation', '', 'code_malformed'],
        ['confirmation', '123456781', 'code_check_digit'],
    ])('a %s code "%s" is refused with %s', (kind, typed, code) => {
        expect(() => (0, offline_code_1.parseOfflineCode)(kind, typed)).toThrow(expect.objectContaining({ code }));
    });
    test('a code that is not text is refused', () => {
        expect(() => (0, offline_code_1.parseOfflineCode)('request', 12345678901234)).toThrow(expect.objectContaining({ code: 'code_malformed' }));
    });
    jest_1.test.prop([jest_1.fc.stringMatching(/^[0-9]{8}$/), jest_1.fc.integer({ min: 0, max: 7 }), jest_1.fc.integer({ min: 1, max: 9 })])('changing any one digit of a valid code is always caught', (payload, position, delta) => {
        const code = payload + String((0, offline_code_1.luhnCheckDigit)(payload));
        const typo = code.slice(0, position) + String((Number(code[position]) + delta) % 10) + code.slice(position + 1);
        expect(() => (0, offline_code_1.parseOfflineCode)('confirmation', typo)).toThrow();
    });
    test('codes are grouped by three for reading', () => {
        expect((0, offline_code_1.groupCode)('123456782')).toBe('123 456 782');
    });
});
