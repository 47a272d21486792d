import fc from 'fast-check';
import { inspect } from 'node:util';
import {
  CryptoError,
  diversify,
  digits8,
  hasValidLuhn,
  luhnCheckDigit,
  pad2,
  retailMac,
  retailMac4,
  retailMac4Batch,
  RetailMacStream,
  SecretKey,
  sessionKey,
  testMasterKeys,
  withOddParity,
} from '../index';
import { hex, toHex, vectors } from './spec-vectors';

const key = (h: string, label = 'K'): SecretKey => SecretKey.fromHex(h, label);
const sameKey = (k: SecretKey, h: string): boolean => k.equals(key(h));

describe('two-key 3DES (spec §2)', () => {
  test('3DES of one block matches the published KAT (background 4.3)', () => {
    const k = key('0123456789ABCDEFFEDCBA9876543210');
    expect(toHex(k.encryptEcb(hex('0123456789ABCDE7')))).toBe('7F1D0A77826B8AFF');
  });

  test('single DES under K1 matches the DES KAT', () => {
    const k = key('0123456789ABCDEF0000000000000000');
    expect(toHex(k.encryptEcbK1(hex('4E6F772069732074')))).toBe('3FA40E8A984D4815');
  });

  test('a partial block is refused with a typed error', () => {
    expect(() => key('0123456789ABCDEFFEDCBA9876543210').encryptEcb(Buffer.alloc(7))).toThrow(CryptoError);
  });
});

describe('pad2: ISO 9797-1 padding method 2', () => {
  test('empty message becomes one block 80 00…', () => {
    expect(toHex(pad2(Buffer.alloc(0)))).toBe('8000000000000000');
  });
  test('an aligned message gains a whole block', () => {
    expect(toHex(pad2(Buffer.alloc(8, 0x11)))).toBe('1111111111111111' + '8000000000000000');
  });
  test('a 7-byte message gains exactly one byte', () => {
    expect(toHex(pad2(Buffer.alloc(7, 0x22)))).toBe('2222222222222280');
  });
});

describe('MAC algorithm 3 (retail MAC)', () => {
  test.each(vectors.mac_algorithm3.map((v) => [v.message_ascii ?? v.message ?? '', v] as const))('vector %p', (_name, v) => {
    const message = v.message_ascii !== undefined ? Buffer.from(v.message_ascii, 'ascii') : hex(v.message ?? '');
    expect(toHex(retailMac(key(v.key), message))).toBe(v.mac);
  });

  test('"Now is the time for it" with method 2 matches background 4.3', () => {
    expect(toHex(retailMac(key('0123456789ABCDEFFEDCBA9876543210'), Buffer.from('Now is the time for it')))).toBe('5A692CE64F404145');
  });

  test('a long message (CBC fast path) gives the same MAC as fed in pieces', () => {
    const k = key('0123456789ABCDEFFEDCBA9876543210');
    const message = Buffer.from(Array.from({ length: 203 }, (_, i) => (i * 7) & 0xff));
    const stream = new RetailMacStream(k);
    for (let i = 0; i < message.length; i += 13) stream.update(message.subarray(i, i + 13));
    expect(toHex(stream.digest())).toBe(toHex(retailMac(k, message)));
  });

  test('the streaming MAC of "Now is the time for all " matches the vector', () => {
    const v = vectors.mac_algorithm3[0];
    const stream = new RetailMacStream(key(v.key));
    stream.update(Buffer.from('Now is the ')).update(Buffer.from('time for all '));
    expect(toHex(stream.digest())).toBe(v.mac);
  });

  test('the batched MAC4 equals MAC4 of each message, prefix included', () => {
    const k = key('0123456789ABCDEFFEDCBA9876543210');
    const messages = Array.from({ length: 9 }, (_, i) => Buffer.from(Array.from({ length: 39 }, (_, j) => (i * 31 + j) & 0xff)));
    const prefix = Buffer.of(0x05);
    expect(retailMac4Batch(k, messages, prefix).map(toHex)).toEqual(messages.map((m) => toHex(retailMac4(k, Buffer.concat([prefix, m])))));
  });

  test('a batch of messages of different lengths is refused', () => {
    expect(() => retailMac4Batch(key('0123456789ABCDEFFEDCBA9876543210'), [Buffer.alloc(3), Buffer.alloc(4)])).toThrow(CryptoError);
  });

  test('streaming in any pieces gives the one-shot MAC (property)', () => {
    const k = key('0123456789ABCDEFFEDCBA9876543210');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.array(fc.nat({ max: 130 }), { maxLength: 6 }), (bytes, cuts) => {
        const message = Buffer.from(bytes);
        const stream = new RetailMacStream(k);
        let at = 0;
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          stream.update(message.subarray(at, Math.max(at, Math.min(cut, message.length))));
          at = Math.max(at, Math.min(cut, message.length));
        }
        stream.update(message.subarray(at));
        expect(toHex(stream.digest())).toBe(toHex(retailMac(k, message)));
      }),
    );
  });

  test('a key whose cipher contexts were released still computes the same MAC', () => {
    const k = key('0123456789ABCDEFFEDCBA9876543210');
    const before = toHex(retailMac(k, Buffer.from('Now is the time for all ')));
    k.releaseContexts();
    expect(toHex(retailMac(k, Buffer.from('Now is the time for all ')))).toBe(before);
  });

  test('a finished streaming MAC refuses more data', () => {
    const stream = new RetailMacStream(key('0123456789ABCDEFFEDCBA9876543210'));
    stream.digest();
    expect(() => stream.update(Buffer.alloc(1))).toThrow(expect.objectContaining({ code: 'mac_finished' }));
  });
});

describe('odd parity, DIV and SK', () => {
  test('odd() of 000102…0F (background 4.1)', () => {
    expect(toHex(withOddParity(hex('000102030405060708090A0B0C0D0E0F')))).toBe('010102020404070708080B0B0D0D0E0E');
  });

  test('EMV option A vector: PAN 12345678901234567 PSN 01', () => {
    const mk = key('0123456789ABCDEFFEDCBA9876543210');
    expect(sameKey(diversify(mk, hex('4567890123456701'), 'MK'), '73AD54688CEF2934B0979857E3C719F1')).toBe(true);
  });

  test('EMV session key vector: ATC 001C', () => {
    expect(sameKey(sessionKey(key('0123456789ABCDEFFEDCBA9876543210'), 0x1c), 'E9FB384AF807B940FEDCEA613461B0C4')).toBe(true);
  });

  test('KL and KP of the vector card derive from the test master keys', () => {
    const masters = testMasterKeys();
    const csn = hex(vectors.card.CSN);
    expect(sameKey(diversify(masters.load, csn, 'KL'), vectors.card.KL)).toBe(true);
    expect(sameKey(diversify(masters.purchase, csn, 'KP'), vectors.card.KP)).toBe(true);
  });

  test('the session keys of the online load, offline load and purchase vectors', () => {
    const kl = key(vectors.card.KL);
    expect(sameKey(sessionKey(kl, vectors.online_load.ATC), vectors.online_load.session_key)).toBe(true);
    expect(sameKey(sessionKey(kl, vectors.offline_load.ATC), vectors.offline_load.session_key)).toBe(true);
    expect(sameKey(sessionKey(key(vectors.card.KP), vectors.purchase.ATC), vectors.purchase.session_key)).toBe(true);
  });

  test('SAM and Transfer card keys derive from their master keys', () => {
    const masters = testMasterKeys();
    expect(sameKey(diversify(masters.sam, hex(vectors.purchase.SAM_id), 'KS'), vectors.purchase.KS)).toBe(true);
    expect(sameKey(diversify(masters.transfer, hex(vectors.estb.transfer_card_id), 'KT'), vectors.estb.KT)).toBe(true);
  });

  test('an ATC beyond two bytes is refused', () => {
    expect(() => sessionKey(key(vectors.card.KL), 0x10000)).toThrow(expect.objectContaining({ code: 'atc_range' }));
  });

  test('a diversifier that is not 8 bytes is refused', () => {
    expect(() => diversify(key(vectors.card.KL), Buffer.alloc(7), 'X')).toThrow(CryptoError);
  });
});

describe('DIGITS8 and Luhn', () => {
  test.each(vectors.digits8.map((v) => [v.mac4, v.digits]))('DIGITS8(%s) = %s', (mac4, digits) => {
    expect(digits8(hex(mac4))).toBe(digits);
  });

  test('Luhn check digit of 7992739871 is 3 (background 6.3)', () => {
    expect(luhnCheckDigit('7992739871')).toBe('3');
  });

  test('the vector CSN carries a valid Luhn digit', () => {
    expect(hasValidLuhn(vectors.card.CSN)).toBe(true);
  });

  test('every single-digit typo is caught', () => {
    const code = '094868981';
    for (let i = 0; i < code.length; i++) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) === code[i]) continue;
        expect(hasValidLuhn(code.slice(0, i) + d + code.slice(i + 1))).toBe(false);
      }
    }
  });

  test('Luhn refuses non-digits with a typed error', () => {
    expect(() => luhnCheckDigit('12a')).toThrow(expect.objectContaining({ code: 'not_digits' }));
  });
});

describe('SecretKey never shows its bytes', () => {
  const secretHex = '404142434445464748494A4B4C4D4E4F';
  const k = key(secretHex, 'MK_LOAD');
  const leaks = (text: string): boolean => text.toUpperCase().includes(secretHex) || text.includes('@ABCDEFGHIJKLMNO') || text.includes('64, 65');

  test('toString and template strings', () => {
    expect(leaks(String(k))).toBe(false);
    expect(leaks(`${k}`)).toBe(false);
  });
  test('util.inspect, even deep and with hidden fields', () => {
    expect(leaks(inspect(k, { showHidden: true, depth: 10 }))).toBe(false);
    expect(leaks(inspect({ nested: { k } }, { showHidden: true, depth: 10 }))).toBe(false);
  });
  test('JSON.stringify', () => {
    expect(leaks(JSON.stringify({ k }))).toBe(false);
  });
  test('a malformed key is refused without echoing it', () => {
    const bad = '404142434445464748494A4B4C4D4EZZ';
    try {
      SecretKey.fromHex(bad, 'MK_LOAD');
      throw new Error('expected a refusal');
    } catch (err) {
      expect((err as CryptoError).code).toBe('key_format');
      expect((err as Error).message).not.toContain('4041424344');
    }
  });
});
