import { fc, test as propertyTest } from '@fast-check/jest';
import { groupCode, luhnCheckDigit, parseOfflineCode } from '../offline-code';

describe('offline codes (spec 4.2)', () => {
  test('the Luhn digit of the textbook example 7992739871 is 3', () => {
    expect(luhnCheckDigit('7992739871')).toBe(3);
  });

  test('the codes of the spec’s offline load vector are accepted', () => {
    // spec/vectors.json, offline_load
    expect(parseOfflineCode('request', '00002628825941')).toBe('00002628825941');
    expect(parseOfflineCode('authorization', '094 868 981')).toBe('094868981');
    expect(parseOfflineCode('confirmation', '454898552')).toBe('454898552');
  });

  test('spaces and dashes between groups are accepted', () => {
    expect(parseOfflineCode('authorization', '123 456 78-2')).toBe('123456782');
  });

  test.each([
    ['request', '1234567890123', 'code_malformed'],
    ['request', '123456789012345', 'code_malformed'],
    ['confirmation', '12345678a', 'code_malformed'],
    ['confirmation', '', 'code_malformed'],
    ['confirmation', '123456781', 'code_check_digit'],
  ] as const)('a %s code "%s" is refused with %s', (kind, typed, code) => {
    expect(() => parseOfflineCode(kind, typed)).toThrow(expect.objectContaining({ code }));
  });

  test('a code that is not text is refused', () => {
    expect(() => parseOfflineCode('request', 12345678901234)).toThrow(expect.objectContaining({ code: 'code_malformed' }));
  });

  propertyTest.prop([fc.stringMatching(/^[0-9]{8}$/), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 9 })])(
    'changing any one digit of a valid code is always caught',
    (payload, position, delta) => {
      const code = payload + String(luhnCheckDigit(payload));
      const typo = code.slice(0, position) + String((Number(code[position]) + delta) % 10) + code.slice(position + 1);
      expect(() => parseOfflineCode('confirmation', typo)).toThrow();
    },
  );

  test('codes are grouped by three for reading', () => {
    expect(groupCode('123456782')).toBe('123 456 782');
  });
});
