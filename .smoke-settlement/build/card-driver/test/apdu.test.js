"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
const fast_check_1 = __importDefault(require("fast-check"));
const index_1 = require("../index");
const byte = fast_check_1.default.integer({ min: 0, max: 255 });
const commandApdu = fast_check_1.default
    .record({
    cla: byte,
    ins: byte,
    p1: byte,
    p2: byte,
    data: fast_check_1.default.uint8Array({ minLength: 0, maxLength: 255 }).map((a) => Buffer.from(a)),
    ne: fast_check_1.default.option(fast_check_1.default.integer({ min: 1, max: 256 }), { nil: undefined }),
})
    .map(({ ne, ...rest }) => (ne === undefined ? rest : { ...rest, ne }));
describe('command APDU codec (ISO 7816-4 short lengths)', () => {
    test('case 1: header only', () => {
        const c = (0, index_1.decodeCommand)(Buffer.from('80B20100', 'hex'));
        expect(c).toEqual({ cla: 0x80, ins: 0xb2, p1: 1, p2: 0, data: Buffer.alloc(0) });
        expect((0, index_1.apduCase)(c)).toBe(1);
    });
    test('case 2: Le 00 means Ne 256', () => {
        expect((0, index_1.decodeCommand)(Buffer.from('805C000100', 'hex')).ne).toBe(256);
    });
    test('case 3: Lc and data, no Le', () => {
        const c = (0, index_1.decodeCommand)(Buffer.from('00A4040002AABB', 'hex'));
        expect(c.data).toEqual(Buffer.from('AABB', 'hex'));
        expect(c.ne).toBeUndefined();
        expect((0, index_1.apduCase)(c)).toBe(3);
    });
    test('case 4: the vector SELECT', () => {
        const c = (0, index_1.decodeCommand)(Buffer.from('00A4040008F045534D415254010F', 'hex'));
        expect((0, index_1.apduCase)(c)).toBe(4);
        expect(c.ne).toBe(15);
    });
    test('encode then decode gives the same command, for any short APDU', () => {
        fast_check_1.default.assert(fast_check_1.default.property(commandApdu, (c) => {
            expect((0, index_1.decodeCommand)((0, index_1.encodeCommand)(c))).toEqual(c);
        }));
    });
    test('decode then encode gives the same bytes, for any valid short APDU', () => {
        fast_check_1.default.assert(fast_check_1.default.property(commandApdu, (c) => {
            const bytes = (0, index_1.encodeCommand)(c);
            expect((0, index_1.encodeCommand)((0, index_1.decodeCommand)(bytes))).toEqual(bytes);
        }));
    });
    test('fuzzed bytes either decode or fail with a typed ApduError, never anything else', () => {
        fast_check_1.default.assert(fast_check_1.default.property(fast_check_1.default.uint8Array({ maxLength: 300 }), (bytes) => {
            try {
                (0, index_1.decodeCommand)(Buffer.from(bytes));
            }
            catch (err) {
                expect(err).toBeInstanceOf(index_1.ApduError);
            }
        }), { numRuns: 2000 });
    });
    test('fewer than 4 bytes is apdu_too_short', () => {
        expect(() => (0, index_1.decodeCommand)(Buffer.from('80B2', 'hex'))).toThrow(expect.objectContaining({ code: 'apdu_too_short' }));
    });
    test('Lc disagreeing with the length is apdu_length_mismatch', () => {
        expect(() => (0, index_1.decodeCommand)(Buffer.from('8050000104AABB', 'hex'))).toThrow(expect.objectContaining({ code: 'apdu_length_mismatch' }));
    });
    test('an extended-length APDU is refused as such', () => {
        expect(() => (0, index_1.decodeCommand)(Buffer.from('80500001000002AABB', 'hex'))).toThrow(expect.objectContaining({ code: 'apdu_extended_length' }));
    });
    test('encoding refuses data over 255 bytes and Ne over 256', () => {
        const base = { cla: 0, ins: 0, p1: 0, p2: 0 };
        expect(() => (0, index_1.encodeCommand)({ ...base, data: Buffer.alloc(256) })).toThrow(expect.objectContaining({ code: 'apdu_field_range' }));
        expect(() => (0, index_1.encodeCommand)({ ...base, data: Buffer.alloc(0), ne: 257 })).toThrow(expect.objectContaining({ code: 'apdu_field_range' }));
        expect(() => (0, index_1.encodeCommand)({ ...base, cla: 256, data: Buffer.alloc(0) })).toThrow(expect.objectContaining({ code: 'apdu_field_range' }));
    });
});
describe('response APDUs and status words', () => {
    test('data and SW are split', () => {
        const r = (0, index_1.parseResponse)(Buffer.from('000000009000', 'hex'));
        expect(r.data).toEqual(Buffer.alloc(4));
        expect(r.status.code).toBe('success');
    });
    test('a response shorter than the SW is response_too_short', () => {
        expect(() => (0, index_1.parseResponse)(Buffer.from('90', 'hex'))).toThrow(expect.objectContaining({ code: 'response_too_short' }));
    });
    test('fuzzed responses parse or fail with ApduError', () => {
        fast_check_1.default.assert(fast_check_1.default.property(fast_check_1.default.uint8Array({ maxLength: 300 }), (bytes) => {
            try {
                const r = (0, index_1.parseResponse)(Buffer.from(bytes));
                expect(typeof r.status.code).toBe('string');
            }
            catch (err) {
                expect(err).toBeInstanceOf(index_1.ApduError);
            }
        }));
    });
    test.each([
        [0x9000, 'success'],
        [0x6700, 'wrong_length'],
        [0x6a80, 'wrong_data'],
        [0x6a83, 'record_not_found'],
        [0x6a86, 'wrong_p1p2'],
        [0x6982, 'security_status'],
        [0x6985, 'conditions_not_satisfied'],
        [0x6d00, 'ins_not_supported'],
        [0x6e00, 'cla_not_supported'],
        [0x9401, 'balance_too_low'],
        [0x9402, 'maxbal_exceeded'],
        [0x6282, 'end_of_file'],
        [0x6400, 'execution_error'],
        [0x6581, 'memory_failure'],
        [0x6881, 'logical_channel_not_supported'],
        [0x6882, 'secure_messaging_not_supported'],
        [0x6883, 'last_command_expected'],
        [0x6884, 'chaining_not_supported'],
        [0x6983, 'auth_blocked'],
        [0x6984, 'reference_data_unusable'],
        [0x6986, 'command_not_allowed'],
        [0x6987, 'sm_objects_missing'],
        [0x6988, 'sm_objects_incorrect'],
        [0x6a81, 'function_not_supported'],
        [0x6a82, 'not_found'],
        [0x6a84, 'not_enough_memory'],
        [0x6a88, 'reference_not_found'],
        [0x6b00, 'wrong_p1p2_offset'],
        [0x6f00, 'no_diagnosis'],
    ])('SW %s is %s', (sw, code) => {
        expect((0, index_1.statusOf)(sw).code).toBe(code);
    });
    test('61xx carries the bytes waiting, 6100 meaning 256', () => {
        expect((0, index_1.statusOf)(0x6110)).toMatchObject({ code: 'more_data', value: 16 });
        expect((0, index_1.statusOf)(0x6100)).toMatchObject({ code: 'more_data', value: 256 });
    });
    test('6Cxx carries the exact Le to resend with', () => {
        expect((0, index_1.statusOf)(0x6c1c)).toMatchObject({ code: 'wrong_le', value: 28 });
    });
    test('63Cx carries a counter; other 62xx/63xx are warnings', () => {
        expect((0, index_1.statusOf)(0x63c2)).toMatchObject({ code: 'counter', value: 2 });
        expect((0, index_1.statusOf)(0x6281).code).toBe('warning_unchanged');
        expect((0, index_1.statusOf)(0x6381).code).toBe('warning_changed');
    });
    test('an unassigned SW is unknown, not an exception', () => {
        expect((0, index_1.statusOf)(0x1234).code).toBe('unknown');
    });
});
