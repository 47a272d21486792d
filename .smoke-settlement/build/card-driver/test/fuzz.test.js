"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
// Fuzzed bytes into every parser of this folder: each either succeeds or fails with its own typed
// error, and the simulated card answers anything with a status word.
const fast_check_1 = __importDefault(require("fast-check"));
const index_1 = require("../index");
const keys = (0, index_1.testKeyStore)();
test('the simulated card answers any bytes with at least a status word, never an exception', () => {
    const card = index_1.SimulatedCard.issue(keys, (0, index_1.csnWithCheckDigit)('607100000000246'));
    card.process((0, index_1.selectCommand)());
    fast_check_1.default.assert(fast_check_1.default.property(fast_check_1.default.uint8Array({ maxLength: 300 }), fast_check_1.default.boolean(), (bytes, proprietary) => {
        const apdu = Buffer.from(bytes);
        if (proprietary && apdu.length > 0)
            apdu[0] = 0x80;
        const r = card.process(apdu);
        expect(r.length).toBeGreaterThanOrEqual(2);
    }), { numRuns: 3000 });
});
const parsers = [
    ['successData', (b) => (0, index_1.successData)(b, 'X')],
    ['SELECT', index_1.parseSelectData],
    ['INITIALIZE LOAD', index_1.parseInitializeLoadData],
    ['CREDIT LOAD', index_1.parseCreditLoadData],
    ['DEBIT', index_1.parseDebitData],
    ['log record', index_1.decodeLogRecord],
];
test.each(parsers)('%s: fuzzed responses give values or EsmartError', (_name, parse) => {
    fast_check_1.default.assert(fast_check_1.default.property(fast_check_1.default.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
            parse(Buffer.from(bytes));
        }
        catch (err) {
            expect(err).toBeInstanceOf(index_1.EsmartError);
        }
    }), { numRuns: 1000 });
});
test.each([
    ['request code', index_1.parseRequestCode],
    ['authorization code', index_1.parseAuthorizationCode],
    ['confirmation code', index_1.parseConfirmationCode],
])('%s: any typed text gives a value or EsmartError', (_name, parse) => {
    fast_check_1.default.assert(fast_check_1.default.property(fast_check_1.default.oneof(fast_check_1.default.string({ maxLength: 20 }), fast_check_1.default.stringMatching(/^[0-9 ]{0,18}$/)), (text) => {
        try {
            parse(text);
        }
        catch (err) {
            expect(err).toBeInstanceOf(index_1.EsmartError);
        }
    }), { numRuns: 1000 });
});
