// Fuzzed bytes into every parser of this folder: each either succeeds or fails with its own typed
// error, and the simulated card answers anything with a status word.
import fc from 'fast-check';
import {
  csnWithCheckDigit,
  decodeLogRecord,
  EsmartError,
  parseAuthorizationCode,
  parseConfirmationCode,
  parseCreditLoadData,
  parseDebitData,
  parseInitializeLoadData,
  parseRequestCode,
  parseSelectData,
  selectCommand,
  SimulatedCard,
  successData,
  testKeyStore,
} from '../index';

const keys = testKeyStore();

test('the simulated card answers any bytes with at least a status word, never an exception', () => {
  const card = SimulatedCard.issue(keys, csnWithCheckDigit('607100000000246'));
  card.process(selectCommand());
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, proprietary) => {
      const apdu = Buffer.from(bytes);
      if (proprietary && apdu.length > 0) apdu[0] = 0x80;
      const r = card.process(apdu);
      expect(r.length).toBeGreaterThanOrEqual(2);
    }),
    { numRuns: 3000 },
  );
});

const parsers: [string, (b: Buffer) => unknown][] = [
  ['successData', (b) => successData(b, 'X')],
  ['SELECT', parseSelectData],
  ['INITIALIZE LOAD', parseInitializeLoadData],
  ['CREDIT LOAD', parseCreditLoadData],
  ['DEBIT', parseDebitData],
  ['log record', decodeLogRecord],
];

test.each(parsers)('%s: fuzzed responses give values or EsmartError', (_name, parse) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        parse(Buffer.from(bytes));
      } catch (err) {
        expect(err).toBeInstanceOf(EsmartError);
      }
    }),
    { numRuns: 1000 },
  );
});

test.each([
  ['request code', parseRequestCode],
  ['authorization code', parseAuthorizationCode],
  ['confirmation code', parseConfirmationCode],
] as const)('%s: any typed text gives a value or EsmartError', (_name, parse) => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 20 }), fc.stringMatching(/^[0-9 ]{0,18}$/)), (text) => {
      try {
        parse(text);
      } catch (err) {
        expect(err).toBeInstanceOf(EsmartError);
      }
    }),
    { numRuns: 1000 },
  );
});
