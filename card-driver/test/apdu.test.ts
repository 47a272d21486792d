import fc from 'fast-check';
import { ApduError, apduCase, decodeCommand, encodeCommand, parseResponse, statusOf, type CommandApdu } from '../index';

const byte = fc.integer({ min: 0, max: 255 });
const commandApdu: fc.Arbitrary<CommandApdu> = fc
  .record({
    cla: byte,
    ins: byte,
    p1: byte,
    p2: byte,
    data: fc.uint8Array({ minLength: 0, maxLength: 255 }).map((a) => Buffer.from(a)),
    ne: fc.option(fc.integer({ min: 1, max: 256 }), { nil: undefined }),
  })
  .map(({ ne, ...rest }) => (ne === undefined ? rest : { ...rest, ne }));

describe('command APDU codec (ISO 7816-4 short lengths)', () => {
  test('case 1: header only', () => {
    const c = decodeCommand(Buffer.from('80B20100', 'hex'));
    expect(c).toEqual({ cla: 0x80, ins: 0xb2, p1: 1, p2: 0, data: Buffer.alloc(0) });
    expect(apduCase(c)).toBe(1);
  });

  test('case 2: Le 00 means Ne 256', () => {
    expect(decodeCommand(Buffer.from('805C000100', 'hex')).ne).toBe(256);
  });

  test('case 3: Lc and data, no Le', () => {
    const c = decodeCommand(Buffer.from('00A4040002AABB', 'hex'));
    expect(c.data).toEqual(Buffer.from('AABB', 'hex'));
    expect(c.ne).toBeUndefined();
    expect(apduCase(c)).toBe(3);
  });

  test('case 4: the vector SELECT', () => {
    const c = decodeCommand(Buffer.from('00A4040008F045534D415254010F', 'hex'));
    expect(apduCase(c)).toBe(4);
    expect(c.ne).toBe(15);
  });

  test('encode then decode gives the same command, for any short APDU', () => {
    fc.assert(
      fc.property(commandApdu, (c) => {
        expect(decodeCommand(encodeCommand(c))).toEqual(c);
      }),
    );
  });

  test('decode then encode gives the same bytes, for any valid short APDU', () => {
    fc.assert(
      fc.property(commandApdu, (c) => {
        const bytes = encodeCommand(c);
        expect(encodeCommand(decodeCommand(bytes))).toEqual(bytes);
      }),
    );
  });

  test('fuzzed bytes either decode or fail with a typed ApduError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decodeCommand(Buffer.from(bytes));
        } catch (err) {
          expect(err).toBeInstanceOf(ApduError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('fewer than 4 bytes is apdu_too_short', () => {
    expect(() => decodeCommand(Buffer.from('80B2', 'hex'))).toThrow(expect.objectContaining({ code: 'apdu_too_short' }));
  });

  test('Lc disagreeing with the length is apdu_length_mismatch', () => {
    expect(() => decodeCommand(Buffer.from('8050000104AABB', 'hex'))).toThrow(expect.objectContaining({ code: 'apdu_length_mismatch' }));
  });

  test('an extended-length APDU is refused as such', () => {
    expect(() => decodeCommand(Buffer.from('80500001000002AABB', 'hex'))).toThrow(expect.objectContaining({ code: 'apdu_extended_length' }));
  });

  test('encoding refuses data over 255 bytes and Ne over 256', () => {
    const base = { cla: 0, ins: 0, p1: 0, p2: 0 };
    expect(() => encodeCommand({ ...base, data: Buffer.alloc(256) })).toThrow(expect.objectContaining({ code: 'apdu_field_range' }));
    expect(() => encodeCommand({ ...base, data: Buffer.alloc(0), ne: 257 })).toThrow(expect.objectContaining({ code: 'apdu_field_range' }));
    expect(() => encodeCommand({ ...base, cla: 256, data: Buffer.alloc(0) })).toThrow(expect.objectContaining({ code: 'apdu_field_range' }));
  });
});

describe('response APDUs and status words', () => {
  test('data and SW are split', () => {
    const r = parseResponse(Buffer.from('000000009000', 'hex'));
    expect(r.data).toEqual(Buffer.alloc(4));
    expect(r.status.code).toBe('success');
  });

  test('a response shorter than the SW is response_too_short', () => {
    expect(() => parseResponse(Buffer.from('90', 'hex'))).toThrow(expect.objectContaining({ code: 'response_too_short' }));
  });

  test('fuzzed responses parse or fail with ApduError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          const r = parseResponse(Buffer.from(bytes));
          expect(typeof r.status.code).toBe('string');
        } catch (err) {
          expect(err).toBeInstanceOf(ApduError);
        }
      }),
    );
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
    expect(statusOf(sw).code).toBe(code);
  });

  test('61xx carries the bytes waiting, 6100 meaning 256', () => {
    expect(statusOf(0x6110)).toMatchObject({ code: 'more_data', value: 16 });
    expect(statusOf(0x6100)).toMatchObject({ code: 'more_data', value: 256 });
  });

  test('6Cxx carries the exact Le to resend with', () => {
    expect(statusOf(0x6c1c)).toMatchObject({ code: 'wrong_le', value: 28 });
  });

  test('63Cx carries a counter; other 62xx/63xx are warnings', () => {
    expect(statusOf(0x63c2)).toMatchObject({ code: 'counter', value: 2 });
    expect(statusOf(0x6281).code).toBe('warning_unchanged');
    expect(statusOf(0x6381).code).toBe('warning_changed');
  });

  test('an unassigned SW is unknown, not an exception', () => {
    expect(statusOf(0x1234).code).toBe('unknown');
  });
});
