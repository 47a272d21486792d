// Pure parts of the reader transports: the vpcd message framing and the PC/SC error mapping.
import { fc, test as propTest } from '@fast-check/jest';
import { readerErrorFromPcsc, pcscStatusOf } from '../reader/pcsc-failure';
import { classifyVpcdRequest, encodeVpcdMessage, VpcdMessageDecoder } from '../vpcd/vpcd-message';
import { offersT1 } from '../acr30/acr30-simulator';

describe('vpcd messages (background.md §2.2)', () => {
  test('a message is a big-endian 16-bit length and the body', () => {
    expect(encodeVpcdMessage(Buffer.from([0x90, 0x00]))).toEqual(Buffer.from([0x00, 0x02, 0x90, 0x00]));
  });

  test('a body longer than 65535 bytes is refused', () => {
    expect(() => encodeVpcdMessage(Buffer.alloc(0x10000))).toThrow(RangeError);
  });

  test.each([
    [0x00, 'power-off'],
    [0x01, 'power-on'],
    [0x02, 'reset'],
    [0x04, 'get-atr'],
  ])('control byte %i is %s', (byte, kind) => {
    expect(classifyVpcdRequest(Buffer.from([byte]))).toEqual({ kind });
  });

  test('an undefined control byte is reported, not taken for an APDU', () => {
    expect(classifyVpcdRequest(Buffer.from([0x03]))).toEqual({ kind: 'unknown-control', byte: 3 });
  });

  test('any body of another length is an APDU', () => {
    const apdu = Buffer.from('00A4040000', 'hex');
    expect(classifyVpcdRequest(apdu)).toEqual({ kind: 'apdu', apdu });
  });

  test('a header split across two reads waits for the rest', () => {
    const d = new VpcdMessageDecoder();
    expect(d.push(Buffer.from([0x00]))).toEqual([]);
    expect(d.push(Buffer.from([0x01]))).toEqual([]);
    expect(d.push(Buffer.from([0x04]))).toEqual([Buffer.from([0x04])]);
    expect(d.buffered).toBe(0);
  });

  test('an empty body is a message of its own', () => {
    expect(new VpcdMessageDecoder().push(Buffer.from([0x00, 0x00, 0x00, 0x01, 0x01]))).toEqual([
      Buffer.alloc(0),
      Buffer.from([0x01]),
    ]);
  });

  propTest.prop([
    fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
    fc.integer({ min: 1, max: 50 }),
  ])('messages glued together and cut anywhere come out whole and in order', (bodies, cut) => {
    const stream = Buffer.concat(bodies.map((b) => encodeVpcdMessage(Buffer.from(b))));
    const d = new VpcdMessageDecoder();
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i += cut) out.push(...d.push(stream.subarray(i, i + cut)));
    expect(out).toEqual(bodies.map((b) => Buffer.from(b)));
  });

  propTest.prop([fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 10 })])(
    'fuzzed bytes never make the decoder throw',
    (chunks) => {
      const d = new VpcdMessageDecoder();
      expect(() => chunks.forEach((c) => d.push(Buffer.from(c)))).not.toThrow();
    },
  );
});

describe('PC/SC failures become ReaderErrors by their return code', () => {
  const err = (code: string) => new Error(`SCardTransmit error: something.(${code})`);

  test('the return code is read from the end of the message', () => {
    expect(pcscStatusOf('SCardConnect error: No smart card inserted.(0x8010000c)')).toBe(0x8010000c);
    expect(pcscStatusOf('no code here')).toBeUndefined();
  });

  test.each([
    ['0x80100069', 'transmit', 'card_removed'],
    ['0x80100067', 'transmit', 'card_removed'],
    ['0x8010000c', 'connect', 'no_card'],
    ['0x8010000c', 'transmit', 'card_removed'],
    ['0x80100068', 'transmit', 'reader_reset'],
    ['0x80100017', 'transmit', 'reader_vanished'],
    ['0x80100009', 'status', 'reader_vanished'],
    ['0x8010001d', 'connect', 'reader_unavailable'],
    ['0x8010001d', 'transmit', 'reader_vanished'],
    ['0x8010001e', 'status', 'reader_vanished'],
    ['0x80100013', 'transmit', 'reader_vanished'],
    ['0x80100013', 'status', 'reader_vanished'],
    ['0x80100013', 'connect', 'reader_unavailable'],
    ['0x8010002e', 'status', 'reader_unavailable'],
    ['0x8010000b', 'connect', 'reader_unavailable'],
    ['0x8010000a', 'transmit', 'timeout'],
    ['0x80100016', 'transmit', 'outcome_unknown'],
    ['0x80100003', 'transmit', 'closed'],
    ['0x80100066', 'connect', 'reader_refused'],
    ['0x8010000f', 'connect', 'reader_refused'],
  ] as const)('%s during %s is %s', (code, step, expected) => {
    const e = readerErrorFromPcsc(err(code), step, 'Virtual PCD 00 00');
    expect(e.code).toBe(expected);
    expect(e.status).toBe(code);
    expect(e.message).toContain('Virtual PCD 00 00');
  });

  test('an unknown code or a message without one is a generic refusal', () => {
    expect(readerErrorFromPcsc(err('0x80100099'), 'transmit', 'r').code).toBe('reader_refused');
    expect(readerErrorFromPcsc(new Error('weird'), 'transmit', 'r').code).toBe('reader_refused');
  });

  test('a failed connect never reached the card; a failed transmit may have', () => {
    expect(readerErrorFromPcsc(err('0x8010000c'), 'connect', 'r').fate).toBe('not_sent');
    expect(readerErrorFromPcsc(err('0x80100069'), 'transmit', 'r').fate).toBe('unknown');
  });

  test('every error says what to do next', () => {
    expect(readerErrorFromPcsc(err('0x80100069'), 'transmit', 'r').message).toMatch(/Put the card back/);
  });
});

describe('ATR protocol detection of the simulated ACR30', () => {
  test.each([
    ['the e-Smart ATR 3B 88 80 01 … (TD2 = T=1)', '3B88800145534D4152543031', true],
    ["vicc's 3B 95 13 81 01 … (TD1 = T=1)", '3B9513810180 73FF01000B'.replace(/ /g, ''), true],
    ['a T=0-only ATR 3B 02 14 50', '3B021450', false],
    ['a truncated ATR', '3B80', false],
  ])('%s', (_name, hex, t1) => {
    expect(offersT1(Buffer.from(hex, 'hex'))).toBe(t1);
  });
});
