"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const node_util_1 = require("node:util");
const index_1 = require("../index");
const spec_vectors_1 = require("./spec-vectors");
const key = (h, label = 'K') => index_1.SecretKey.fromHex(h, label);
const sameKey = (k, h) => k.equals(key(h));
describe('two-key 3DES (spec §2)', () => {
    test('3DES of one block matches the published KAT (background 4.3)', () => {
        const k = key('0123456789ABCDEFFEDCBA9876543210');
        expect((0, spec_vectors_1.toHex)(k.encryptEcb((0, spec_vectors_1.hex)('0123456789ABCDE7')))).toBe('7F1D0A77826B8AFF');
    });
    test('single DES under K1 matches the DES KAT', () => {
        const k = key('0123456789ABCDEF0000000000000000');
        expect((0, spec_vectors_1.toHex)(k.encryptEcbK1((0, spec_vectors_1.hex)('4E6F772069732074')))).toBe('3FA40E8A984D4815');
    });
    test('a partial block is refused with a typed error', () => {
        expect(() => key('0123456789ABCDEFFEDCBA9876543210').encryptEcb(Buffer.alloc(7))).toThrow(index_1.CryptoError);
    });
});
describe('pad2: ISO 9797-1 padding method 2', () => {
    test('empty message becomes one block 80 00…', () => {
        expect((0, spec_vectors_1.toHex)((0, index_1.pad2)(Buffer.alloc(0)))).toBe('8000000000000000');
    });
    test('an aligned message gains a whole block', () => {
        expect((0, spec_vectors_1.toHex)((0, index_1.pad2)(Buffer.alloc(8, 0x11)))).toBe('1111111111111111' + '8000000000000000');
    });
    test('a 7-byte message gains exactly one byte', () => {
        expect((0, spec_vectors_1.toHex)((0, index_1.pad2)(Buffer.alloc(7, 0x22)))).toBe('2222222222222280');
    });
});
describe('MAC algorithm 3 (retail MAC)', () => {
    test.each(spec_vectors_1.vectors.mac_algorithm3.map((v) => [v.message_ascii ?? v.message ?? '', v]))('vector %p', (_name, v) => {
        const message = v.message_ascii !== undefined ? Buffer.from(v.message_ascii, 'ascii') : (0, spec_vectors_1.hex)(v.message ?? '');
        expect((0, spec_vectors_1.toHex)((0, index_1.retailMac)(key(v.key), message))).toBe(v.mac);
    });
    test('"Now is the time for it" with method 2 matches background 4.3', () => {
        expect((0, spec_vectors_1.toHex)((0, index_1.retailMac)(key('0123456789ABCDEFFEDCBA9876543210'), Buffer.from('Now is the time for it')))).toBe('5A692CE64F404145');
    });
    test('a long message (CBC fast path) gives the same MAC as fed in pieces', () => {
        const k = key('0123456789ABCDEFFEDCBA9876543210');
        const message = Buffer.from(Array.from({ length: 203 }, (_, i) => (i * 7) & 0xff));
        const stream = new index_1.RetailMacStream(k);
        for (let i = 0; i < message.length; i += 13)
            stream.update(message.subarray(i, i + 13));
        expect((0, spec_vectors_1.toHex)(stream.digest())).toBe((0, spec_vectors_1.toHex)((0, index_1.retailMac)(k, message)));
    });
    test('the streaming MAC of "Now is the time for all " matches the vector', () => {
        const v = spec_vectors_1.vectors.mac_algorithm3[0];
        const stream = new index_1.RetailMacStream(key(v.key));
        stream.update(Buffer.from('Now is the ')).update(Buffer.from('time for all '));
        expect((0, spec_vectors_1.toHex)(stream.digest())).toBe(v.mac);
    });
    test('a finished streaming MAC refuses more data', () => {
        const stream = new index_1.RetailMacStream(key('0123456789ABCDEFFEDCBA9876543210'));
        stream.digest();
        expect(() => stream.update(Buffer.alloc(1))).toThrow(expect.objectContaining({ code: 'mac_finished' }));
    });
});
describe('odd parity, DIV and SK', () => {
    test('odd() of 000102…0F (background 4.1)', () => {
        expect((0, spec_vectors_1.toHex)((0, index_1.withOddParity)((0, spec_vectors_1.hex)('000102030405060708090A0B0C0D0E0F')))).toBe('010102020404070708080B0B0D0D0E0E');
    });
    test('EMV option A vector: PAN 12345678901234567 PSN 01', () => {
        const mk = key('0123456789ABCDEFFEDCBA9876543210');
        expect(sameKey((0, index_1.diversify)(mk, (0, spec_vectors_1.hex)('4567890123456701'), 'MK'), '73AD54688CEF2934B0979857E3C719F1')).toBe(true);
    });
    test('EMV session key vector: ATC 001C', () => {
        expect(sameKey((0, index_1.sessionKey)(key('0123456789ABCDEFFEDCBA9876543210'), 0x1c), 'E9FB384AF807B940FEDCEA613461B0C4')).toBe(true);
    });
    test('KL and KP of the vector card derive from the test master keys', () => {
        const masters = (0, index_1.testMasterKeys)();
        const csn = (0, spec_vectors_1.hex)(spec_vectors_1.vectors.card.CSN);
        expect(sameKey((0, index_1.diversify)(masters.load, csn, 'KL'), spec_vectors_1.vectors.card.KL)).toBe(true);
        expect(sameKey((0, index_1.diversify)(masters.purchase, csn, 'KP'), spec_vectors_1.vectors.card.KP)).toBe(true);
    });
    test('the session keys of the online load, offline load and purchase vectors', () => {
        const kl = key(spec_vectors_1.vectors.card.KL);
        expect(sameKey((0, index_1.sessionKey)(kl, spec_vectors_1.vectors.online_load.ATC), spec_vectors_1.vectors.online_load.session_key)).toBe(true);
        expect(sameKey((0, index_1.sessionKey)(kl, spec_vectors_1.vectors.offline_load.ATC), spec_vectors_1.vectors.offline_load.session_key)).toBe(true);
        expect(sameKey((0, index_1.sessionKey)(key(spec_vectors_1.vectors.card.KP), spec_vectors_1.vectors.purchase.ATC), spec_vectors_1.vectors.purchase.session_key)).toBe(true);
    });
    test('SAM and Transfer card keys derive from their master keys', () => {
        const masters = (0, index_1.testMasterKeys)();
        expect(sameKey((0, index_1.diversify)(masters.sam, (0, spec_vectors_1.hex)(spec_vectors_1.vectors.purchase.SAM_id), 'KS'), spec_vectors_1.vectors.purchase.KS)).toBe(true);
        expect(sameKey((0, index_1.diversify)(masters.transfer, (0, spec_vectors_1.hex)(spec_vectors_1.vectors.estb.transfer_card_id), 'KT'), spec_vectors_1.vectors.estb.KT)).toBe(true);
    });
    test('an ATC beyond two bytes is refused', () => {
        expect(() => (0, index_1.sessionKey)(key(spec_vectors_1.vectors.card.KL), 0x10000)).toThrow(expect.objectContaining({ code: 'atc_range' }));
    });
    test('a diversifier that is not 8 bytes is refused', () => {
        expect(() => (0, index_1.diversify)(key(spec_vectors_1.vectors.card.KL), Buffer.alloc(7), 'X')).toThrow(index_1.CryptoError);
    });
});
describe('DIGITS8 and Luhn', () => {
    test.each(spec_vectors_1.vectors.digits8.map((v) => [v.mac4, v.digits]))('DIGITS8(%s) = %s', (mac4, digits) => {
        expect((0, index_1.digits8)((0, spec_vectors_1.hex)(mac4))).toBe(digits);
    });
    test('Luhn check digit of 7992739871 is 3 (background 6.3)', () => {
        expect((0, index_1.luhnCheckDigit)('7992739871')).toBe('3');
    });
    test('the vector CSN carries a valid Luhn digit', () => {
        expect((0, index_1.hasValidLuhn)(spec_vectors_1.vectors.card.CSN)).toBe(true);
    });
    test('every single-digit typo is caught', () => {
        const code = '094868981';
        for (let i = 0; i < code.length; i++) {
            for (let d = 0; d <= 9; d++) {
                if (String(d) === code[i])
                    continue;
                expect((0, index_1.hasValidLuhn)(code.slice(0, i) + d + code.slice(i + 1))).toBe(false);
            }
        }
    });
    test('Luhn refuses non-digits with a typed error', () => {
        expect(() => (0, index_1.luhnCheckDigit)('12a')).toThrow(expect.objectContaining({ code: 'not_digits' }));
    });
});
describe('SecretKey never shows its bytes', () => {
    const secretHex = '404142434445464748494A4B4C4D4E4F';
    const k = key(secretHex, 'MK_LOAD');
    const leaks = (text) => text.toUpperCase().includes(secretHex) || text.includes('@ABCDEFGHIJKLMNO') || text.includes('64, 65');
    test('toString and template strings', () => {
        expect(leaks(String(k))).toBe(false);
        expect(leaks(`${k}`)).toBe(false);
    });
    test('util.inspect, even deep and with hidden fields', () => {
        expect(leaks((0, node_util_1.inspect)(k, { showHidden: true, depth: 10 }))).toBe(false);
        expect(leaks((0, node_util_1.inspect)({ nested: { k } }, { showHidden: true, depth: 10 }))).toBe(false);
    });
    test('JSON.stringify', () => {
        expect(leaks(JSON.stringify({ k }))).toBe(false);
    });
    test('a malformed key is refused without echoing it', () => {
        const bad = '404142434445464748494A4B4C4D4EZZ';
        try {
            index_1.SecretKey.fromHex(bad, 'MK_LOAD');
            throw new Error('expected a refusal');
        }
        catch (err) {
            expect(err.code).toBe('key_format');
            expect(err.message).not.toContain('4041424344');
        }
    });
});
