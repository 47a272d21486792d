// The ACR30 wire format (acr30-serial.md §1.2–§1.5, §1.7, §1.10): byte-for-byte examples, bad input,
// round trips and fuzzing of the frame codec and the line decoder.
import { fc, test as propTest } from '@fast-check/jest';
import {
  baudCode,
  baudOfCode,
  encodeAcrStat,
  INS,
  parseAcrStat,
  replyFits,
  unwrapFromExchange,
  wrapForExchange,
} from '../acr30/acr30-commands';
import { decodeCommand, decodeResponse, encodeCommand, encodeResponse } from '../acr30/acr30-frame';
import { AcrLineDecoder, NAK, toWire, type LineEvent } from '../acr30/acr30-line';

const h = (hex: string): Buffer => Buffer.from(hex.replace(/\s+/g, ''), 'hex');
const wireText = (binary: Buffer): string => toWire(binary).subarray(1, -1).toString('latin1');
const cmd = (ins: number, data = ''): string => wireText(encodeCommand({ ins, data: h(data) }));

describe('§1.10 worked examples, binary → wire text', () => {
  test.each([
    ['GET_ACR_STAT', 0x01, '', '01010000'],
    ['SELECT_CARD_TYPE MCU T=0', 0x02, '0C', '0102010C0E'],
    ['SELECT_CARD_TYPE MCU T=1', 0x02, '0D', '0102010D0F'],
    ['SET_PROTOCOL delay 0, 38400 bps', 0x03, '0010', '010302001010'],
    ['SET_PROTOCOL delay 0, 115200 bps', 0x03, '0000', '010302000000'],
    ['SET_NOTIFICATION on', 0x06, '01', '0106010107'],
    ['RESET', 0x80, '', '01800081'],
    ['POWER_OFF', 0x81, '', '01810080'],
    ['SELECT by AID, case 3 with Le 00', 0xa0, '00A4040007A000000003101000', '01A00D00A4040007A000000003101000A8'],
    ['GET CHALLENGE, Lc 00 Le 08', 0xa0, '0084000000 08', '01A0060084000000082B'],
    ['READ RECORD 1 SFI 1, Le 20', 0xa0, '00B2010C0020', '01A00600B2010C002038'],
  ])('%s', (_name, ins, data, text) => {
    expect(cmd(ins, data)).toBe(text);
  });

  test('GET_ACR_STAT goes out as the raw bytes 02 30 31 30 31 30 30 30 30 03', () => {
    expect(toWire(encodeCommand({ ins: 0x01, data: Buffer.alloc(0) }))).toEqual(h('02 30 31 30 31 30 30 30 30 03'));
  });

  test.each([
    ['OK, no data', 0x90, 0x00, '', '0190000091'],
    ['OK, 8-byte challenge + card 9000', 0x90, 0x00, '11223344556677889000', '0190000A1122334455667788900083'],
    ['no card (60 02)', 0x60, 0x02, '', '0160020063'],
  ])('reply: %s', (_name, sw1, sw2, data, text) => {
    expect(wireText(encodeResponse({ sw1, sw2, data: h(data) }))).toBe(text);
  });

  test('an extended command (300 data bytes) starts 01 A0 FF 01 2C', () => {
    expect(cmd(0xa0, '00'.repeat(300)).slice(0, 10)).toBe('01A0FF012C');
  });

  test("the manual's command examples: INS 91 → 01 91 03 11 22 33 93, INS A2 → the 12 bytes it lists", () => {
    expect(encodeCommand({ ins: 0x91, data: h('112233') })).toEqual(h('01 91 03 11 22 33 93'));
    expect(toWire(encodeCommand({ ins: 0xa2, data: h('3D') }))).toEqual(h('02 30 31 41 32 30 31 33 44 39 46 03'));
  });

  test("the manual's reply example 01 90 00 03 11 22 33 92 decodes to 90 00 and its data", () => {
    expect(decodeResponse(h('01 90 00 03 11 22 33 92'))).toEqual({
      ok: true,
      value: { sw1: 0x90, sw2: 0x00, data: h('112233') },
    });
  });

  test.each([
    ['reset message', '01FF000112ED', 0x00, '12'],
    ['card inserted', '01FF0100FF', 0x01, ''],
    ['card removed', '01FF0200FC', 0x02, ''],
  ])('§1.6 unsolicited %s is %s on the wire', (_name, text, sw2, data) => {
    expect(wireText(encodeResponse({ sw1: 0xff, sw2, data: h(data) }))).toBe(text);
  });
});

describe('decoding refuses bad messages with a typed fault', () => {
  test('a wrong checksum', () => {
    expect(decodeResponse(h('01 90 00 00 90'))).toEqual({ ok: false, fault: 'bad_checksum' });
  });
  test('a header other than 01', () => {
    expect(decodeCommand(h('02 01 00 03'))).toEqual({ ok: false, fault: 'bad_header' });
  });
  test('a length field that disagrees with the bytes that came', () => {
    expect(decodeCommand(h('01 A0 05 00 A4'))).toEqual({ ok: false, fault: 'bad_length' });
  });
  test('too few bytes for any message', () => {
    expect(decodeResponse(h('01 90'))).toEqual({ ok: false, fault: 'too_short' });
    expect(decodeCommand(Buffer.alloc(0))).toEqual({ ok: false, fault: 'too_short' });
  });
  test('an extended length cut short', () => {
    expect(decodeCommand(h('01 A0 FF 01'))).toEqual({ ok: false, fault: 'too_short' });
  });
  test('encoding refuses an INS or SW that is not a byte, and data over 65535 bytes', () => {
    expect(() => encodeCommand({ ins: 256, data: Buffer.alloc(0) })).toThrow(RangeError);
    expect(() => encodeResponse({ sw1: -1, sw2: 0, data: Buffer.alloc(0) })).toThrow(RangeError);
    expect(() => encodeCommand({ ins: 1, data: Buffer.alloc(0x10000) })).toThrow(RangeError);
  });
});

describe('round trips', () => {
  const byte = fc.integer({ min: 0, max: 255 });
  const data = fc.uint8Array({ maxLength: 700 }).map((a) => Buffer.from(a));

  propTest.prop([byte, data])('every command decodes to itself, through the wire text too', (ins, payload) => {
    const binary = encodeCommand({ ins, data: payload });
    const [event] = new AcrLineDecoder().push(toWire(binary));
    expect(event).toEqual({ kind: 'frame', bytes: binary });
    expect(decodeCommand(binary)).toEqual({ ok: true, value: { ins, data: payload } });
  });

  propTest.prop([byte, byte, data])('every response decodes to itself', (sw1, sw2, payload) => {
    expect(decodeResponse(encodeResponse({ sw1, sw2, data: payload }))).toEqual({
      ok: true,
      value: { sw1, sw2, data: payload },
    });
  });

  propTest.prop([fc.array(fc.tuple(byte, data), { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 40 })])(
    'frames glued together and cut into arbitrary chunks come out whole and in order',
    (commands, chunkSize) => {
      const stream = Buffer.concat(commands.map(([ins, d]) => toWire(encodeCommand({ ins, data: d }))));
      const decoder = new AcrLineDecoder();
      const events: LineEvent[] = [];
      for (let i = 0; i < stream.length; i += chunkSize) events.push(...decoder.push(stream.subarray(i, i + chunkSize)));
      expect(events.map((e) => (e.kind === 'frame' ? decodeCommand(e.bytes) : e))).toEqual(
        commands.map(([ins, d]) => ({ ok: true, value: { ins, data: d } })),
      );
    },
  );
});

describe('the line decoder', () => {
  const frame = toWire(h('0190000091'));

  test('reports raw 05 05 as a NAK, even between garbage', () => {
    expect(new AcrLineDecoder().push(Buffer.concat([h('FF'), NAK, h('41')]))).toEqual([
      { kind: 'noise', count: 1 },
      { kind: 'nak' },
      { kind: 'noise', count: 1 },
    ]);
  });

  test('a NAK split across two reads is still one NAK', () => {
    const d = new AcrLineDecoder();
    expect(d.push(h('05'))).toEqual([]);
    expect(d.push(h('05'))).toEqual([{ kind: 'nak' }]);
  });

  test('skips garbage before a frame and reports it as noise', () => {
    expect(new AcrLineDecoder().push(Buffer.concat([h('0000FF41'), frame]))).toEqual([
      { kind: 'noise', count: 4 },
      { kind: 'frame', bytes: h('0190000091') },
    ]);
  });

  test('a frame interrupted by a new STX is reported and the new frame is kept', () => {
    expect(new AcrLineDecoder().push(Buffer.concat([h('02 30 31'), frame]))).toEqual([
      { kind: 'bad-frame', reason: 'interrupted' },
      { kind: 'frame', bytes: h('0190000091') },
    ]);
  });

  test('a non-hex character inside a frame spoils that frame only', () => {
    expect(new AcrLineDecoder().push(Buffer.concat([h('02 30 47 03'), frame]))).toEqual([
      { kind: 'bad-frame', reason: 'bad_hex' },
      { kind: 'frame', bytes: h('0190000091') },
    ]);
  });

  test('an odd number of hex digits is a bad frame', () => {
    expect(new AcrLineDecoder().push(h('02 30 31 30 03'))).toEqual([{ kind: 'bad-frame', reason: 'odd_hex' }]);
  });

  test('lower-case hex is accepted, as the reader does', () => {
    expect(new AcrLineDecoder().push(Buffer.from('\x02019000ab\x03', 'latin1'))).toEqual([
      { kind: 'frame', bytes: h('019000AB') },
    ]);
  });

  test('a frame longer than any legal message is cut off as too long', () => {
    const huge = Buffer.concat([h('02'), Buffer.alloc(2 * 65550, 0x30), h('03')]);
    expect(new AcrLineDecoder().push(huge)).toEqual([{ kind: 'bad-frame', reason: 'too_long' }]);
  });

  propTest.prop([fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 })])(
    'fuzzed bytes never make it throw, and it still reads a good frame afterwards',
    (chunks) => {
      const d = new AcrLineDecoder();
      for (const c of chunks) {
        for (const e of d.push(c)) if (e.kind === 'frame') decodeResponse(e.bytes);
      }
      // ETX + STX resynchronise whatever state the fuzz left behind.
      const events = d.push(Buffer.concat([h('03'), frame]));
      expect(events[events.length - 1]).toEqual({ kind: 'frame', bytes: h('0190000091') });
    },
  );

  propTest.prop([fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a))])(
    'fuzzed messages never make the message decoders throw',
    (bytes) => {
      expect(() => decodeCommand(bytes)).not.toThrow();
      expect(() => decodeResponse(bytes)).not.toThrow();
      expect(() => unwrapFromExchange(bytes)).not.toThrow();
      expect(() => parseAcrStat(bytes)).not.toThrow();
    },
  );
});

describe('EXCHANGE_APDU wrapping (§1.7: Lc and Le always present, Le 00 = no data)', () => {
  test.each([
    ['case 1 gets Lc 00 and Le 00', '80CA0000', '80CA00000000'],
    ['case 2 gets Lc 00 before Le', '0084000008', '008400000008'],
    ['case 3 gets Le 00', '00A4040002 3F00', '00A40400023F0000'],
    ['case 4 passes unchanged', '8050000 10C 0000271011223344556677 88 12'.replace(/ /g, ''), null],
  ])('%s', (_name, iso, acr) => {
    const apdu = h(iso);
    expect(wrapForExchange(apdu)).toEqual({ ok: true, data: acr === null ? apdu : h(acr) });
  });

  test.each([
    ['Le 00 (ISO 256)', '00B2010C00'],
    ['case 4 with Le 00', '00A4040002 3F00 00'],
    ['an extended-length APDU', '00B000000 00100'.replace(/ /g, '')],
    ['Lc that disagrees with the length', '00A4040005 3F00'],
    ['fewer than 4 bytes', '00A4'],
  ])('refuses %s', (_name, iso) => {
    expect(wrapForExchange(h(iso)).ok).toBe(false);
  });

  test('the reader side restores each case', () => {
    for (const iso of ['80CA0000', '0084000008', '00A40400023F00', '00A40400023F0010']) {
      const wrapped = wrapForExchange(h(iso));
      if (!wrapped.ok) throw new Error('unexpected');
      const back = unwrapFromExchange(wrapped.data);
      expect(back.ok && back.apdu).toEqual(h(iso));
    }
  });
});

describe('reader settings', () => {
  test('SET_PROTOCOL baud codes follow the sibling manuals', () => {
    expect([9600, 19200, 38400, 14400, 28800, 57600, 115200].map((b) => baudCode(b as 9600))).toEqual([
      0x12, 0x11, 0x10, 0x03, 0x02, 0x01, 0x00,
    ]);
    expect(baudOfCode(0x00)).toBe(115200);
    expect(baudOfCode(0x42)).toBeUndefined();
  });

  test('GET_ACR_STAT data round-trips and refuses a wrong length or unknown card state', () => {
    const stat = {
      firmware: 'ACR30S',
      maxCommandBytes: 255,
      maxResponseBytes: 255,
      supportedCardTypes: 0x3000,
      selectedCardType: 0x0d,
      cardState: 'powered' as const,
    };
    expect(parseAcrStat(encodeAcrStat(stat))).toEqual(stat);
    expect(parseAcrStat(Buffer.alloc(15))).toBeNull();
    const bad = encodeAcrStat(stat);
    bad[15] = 0x07;
    expect(parseAcrStat(bad)).toBeNull();
  });
});

describe('which replies can answer which command (replyFits, §1.4, §1.7, §1.8)', () => {
  const ok = (data: string) => ({ sw1: 0x90, sw2: 0x00, data: h(data) });
  const fits = (ins: number, cmdData: string, reply: { sw1: number; sw2: number; data: Buffer }) =>
    replyFits(ins, h(cmdData), reply).fits;
  const STAT = '4143523330532D53494D' + 'FFFF30000D03'; // "ACR30S-SIM", MAX_C, MAX_R, C_TYPE, C_SEL 0D, card powered

  test('an EXCHANGE_APDU reply carries at most Le bytes plus the card SW1 SW2', () => {
    const count = '80C500000002'; // Lc 00, Le 02
    expect(fits(INS.EXCHANGE_APDU, count, ok('00019000'))).toBe(true);
    expect(fits(INS.EXCHANGE_APDU, count, ok('6D00'))).toBe(true);
    expect(fits(INS.EXCHANGE_APDU, count, ok('0000019000'))).toBe(false);
    expect(fits(INS.EXCHANGE_APDU, count, ok('90'))).toBe(false);
  });

  test('an EXCHANGE_APDU reply must end in an ISO card status (SW1 6x or 9x)', () => {
    const readLog = '80B20100001A'; // Le 26
    expect(fits(INS.EXCHANGE_APDU, readLog, ok(STAT))).toBe(false); // a reader status ends 0D 03
    expect(fits(INS.EXCHANGE_APDU, readLog, ok('0102036A82'))).toBe(true);
  });

  test('GET_ACR_STAT is answered by its 16-byte status only', () => {
    expect(fits(INS.GET_ACR_STAT, '', ok(STAT))).toBe(true);
    expect(fits(INS.GET_ACR_STAT, '', ok('00019000'))).toBe(false);
    expect(fits(INS.GET_ACR_STAT, '', ok(''))).toBe(false);
  });

  test('control commands are answered without data', () => {
    for (const ins of [INS.SELECT_CARD_TYPE, INS.SET_PROTOCOL, INS.SET_NOTIFICATION, INS.SET_OPTION, INS.POWER_OFF]) {
      expect(fits(ins, '0D', ok(''))).toBe(true);
      expect(fits(ins, '0D', ok('9000'))).toBe(false);
    }
  });

  test('RESET is answered by an ATR, which starts with TS 3B or 3F', () => {
    expect(fits(INS.RESET, '', { sw1: 0x90, sw2: 0x01, data: h('3B8880014543484F43415244') })).toBe(true);
    expect(fits(INS.RESET, '', ok('3F00'))).toBe(true);
    expect(fits(INS.RESET, '', ok(''))).toBe(false);
    expect(fits(INS.RESET, '', ok('00019000'))).toBe(false);
  });

  test('a reader error carries no data, whatever the command', () => {
    expect(fits(INS.EXCHANGE_APDU, '80C500000002', { sw1: 0x60, sw2: 0x04, data: h('') })).toBe(true);
    expect(fits(INS.RESET, '', { sw1: 0x60, sw2: 0x02, data: h('') })).toBe(true);
    expect(fits(INS.EXCHANGE_APDU, '80C500000002', { sw1: 0x67, sw2: 0x03, data: h('9000') })).toBe(false);
  });

  test('an unsolicited message never answers a command; an instruction the table does not know takes any reply', () => {
    expect(fits(INS.GET_ACR_STAT, '', { sw1: 0xff, sw2: 0x01, data: h('') })).toBe(false);
    expect(fits(0x90, '000010', ok('00112233'))).toBe(true);
  });
});
