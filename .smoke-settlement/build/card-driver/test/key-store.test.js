"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
const fs = __importStar(require("node:fs"));
const os = __importStar(require("node:os"));
const path = __importStar(require("node:path"));
const node_util_1 = require("node:util");
const index_1 = require("../index");
const spec_vectors_1 = require("./spec-vectors");
const OWN = {
    MK_LOAD: '0123456789ABCDEFFEDCBA9876543210',
    MK_PURCHASE: '1123456789ABCDEFFEDCBA9876543210',
    MK_SAM: '2123456789ABCDEFFEDCBA9876543210',
    MK_TRANSFER: '3123456789ABCDEFFEDCBA9876543210',
};
const envOf = (k) => ({
    [index_1.KEY_ENV.load]: k.MK_LOAD,
    [index_1.KEY_ENV.purchase]: k.MK_PURCHASE,
    [index_1.KEY_ENV.sam]: k.MK_SAM,
    [index_1.KEY_ENV.transfer]: k.MK_TRANSFER,
});
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'purseflow-keys-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
function keysFile(content) {
    const file = path.join(dir, `keys-${Math.random().toString(16).slice(2)}.json`);
    fs.writeFileSync(file, content);
    return file;
}
function configError(env) {
    try {
        (0, index_1.keyStoreFromEnvironment)(env);
    }
    catch (err) {
        expect(err).toBeInstanceOf(index_1.KeyConfigError);
        return err;
    }
    throw new Error('expected a refusal');
}
const allKeyTexts = [...Object.values(OWN), ...Object.values(index_1.TEST_MASTER_KEYS_HEX)];
const showsKey = (text) => allKeyTexts.some((k) => text.toUpperCase().includes(k));
describe('where the master keys come from', () => {
    test('development without configuration uses the test keys (vector KL)', () => {
        const store = (0, index_1.keyStoreFromEnvironment)({});
        expect(store.source).toBe('test-keys');
        const csn = (0, index_1.csnWithCheckDigit)(spec_vectors_1.vectors.card.CSN.slice(0, 15));
        expect(store.cardKeys(csn).load.equals((0, index_1.keyStoreFromEnvironment)({}).cardKeys(csn).load)).toBe(true);
        expect(store.verifyMac3({ csn, atc: 1, purse: index_1.PURSE.ecash, amount: 25000n }, (0, spec_vectors_1.hex)(spec_vectors_1.vectors.online_load.MAC3))).toBe(true);
    });
    test('NODE_ENV=production without keys is refused', () => {
        expect(configError({ NODE_ENV: 'production' }).code).toBe('keys_missing_in_production');
    });
    test('PURSEFLOW_MODE=production without keys is refused', () => {
        expect(configError({ PURSEFLOW_MODE: 'production' }).code).toBe('keys_missing_in_production');
    });
    test('the published test keys configured explicitly are refused in production', () => {
        const err = configError({ NODE_ENV: 'production', ...envOf(index_1.TEST_MASTER_KEYS_HEX) });
        expect(err.code).toBe('test_keys_in_production');
        expect(showsKey(err.message)).toBe(false);
    });
    test('the four environment variables configure the store, also in production', () => {
        const store = (0, index_1.keyStoreFromEnvironment)({ NODE_ENV: 'production', ...envOf(OWN) });
        expect(store.source).toBe('environment');
    });
    test('three variables out of four are refused, naming the missing one', () => {
        const env = { ...envOf(OWN), [index_1.KEY_ENV.sam]: undefined };
        const err = configError(env);
        expect(err.code).toBe('keys_incomplete');
        expect(err.message).toContain(index_1.KEY_ENV.sam);
    });
    test('a keys file configures the store', () => {
        expect((0, index_1.keyStoreFromEnvironment)({ [index_1.KEY_ENV.file]: keysFile(JSON.stringify(OWN)), NODE_ENV: 'production' }).source).toBe('file');
    });
    test('a file and variables together are refused', () => {
        expect(configError({ [index_1.KEY_ENV.file]: keysFile(JSON.stringify(OWN)), ...envOf(OWN) }).code).toBe('keys_conflicting_sources');
    });
    test('a missing file is keys_file_unreadable', () => {
        expect(configError({ [index_1.KEY_ENV.file]: path.join(dir, 'absent.json') }).code).toBe('keys_file_unreadable');
    });
    test('a file that is not JSON is refused without quoting its content', () => {
        const err = configError({ [index_1.KEY_ENV.file]: keysFile(`{"MK_LOAD": "${OWN.MK_LOAD}", oops}`) });
        expect(err.code).toBe('keys_file_invalid');
        expect(showsKey(err.message)).toBe(false);
    });
    test('a file lacking a key is keys_incomplete', () => {
        const { MK_SAM: _omit, ...three } = OWN;
        expect(configError({ [index_1.KEY_ENV.file]: keysFile(JSON.stringify(three)) }).code).toBe('keys_incomplete');
    });
    test('a malformed key is refused without repeating it', () => {
        const bad = { ...OWN, MK_LOAD: OWN.MK_LOAD.slice(0, 30) + 'ZZ' };
        const err = configError(envOf(bad));
        expect(err.code).toBe('key_invalid');
        expect(err.message).not.toContain(bad.MK_LOAD.slice(0, 20));
    });
    test('a key with equal halves (single DES) is refused', () => {
        expect(configError(envOf({ ...OWN, MK_SAM: '0123456789ABCDEF0123456789ABCDEF' })).code).toBe('key_single_length');
    });
});
describe('the key store shows no key material', () => {
    const store = (0, index_1.keyStoreFromEnvironment)(envOf(OWN));
    const csn = (0, index_1.csnWithCheckDigit)('607100000000123');
    test('toString, inspect and JSON of the store and of derived keys', () => {
        for (const text of [String(store), (0, node_util_1.inspect)(store, { showHidden: true, depth: 10 }), JSON.stringify({ store }), (0, node_util_1.inspect)(store.cardKeys(csn), { showHidden: true }), JSON.stringify(store.cardKeys(csn))]) {
            expect(showsKey(text)).toBe(false);
            expect(text).not.toMatch(/[0-9A-F]{32}/i);
        }
    });
});
describe('offline code checks', () => {
    const store = (0, index_1.keyStoreFromEnvironment)({});
    const csn = (0, index_1.csnWithCheckDigit)(spec_vectors_1.vectors.card.CSN.slice(0, 15));
    const request = { csn, purse: index_1.PURSE.food, amount: 10000n };
    const off = spec_vectors_1.vectors.offline_load;
    test('a request code with a typo is refused as check_digit, before any MAC', () => {
        const typo = '1' + off.request_code.slice(1);
        expect(store.verifyRequestCode(request, typo)).toMatchObject({ valid: false, reason: 'check_digit' });
    });
    test('a request code of the wrong length is a format refusal', () => {
        expect(store.verifyRequestCode(request, '123')).toMatchObject({ valid: false, reason: 'format' });
    });
    test('a genuine request code for another amount does not verify', () => {
        expect(store.verifyRequestCode({ ...request, amount: 10001n }, off.request_code)).toMatchObject({ valid: false, reason: 'mac_mismatch' });
    });
    test('spaces between digit groups are accepted', () => {
        expect(store.verifyRequestCode(request, off.request_code.replace(/(\d{5})(\d{4})/, '$1 $2 '))).toEqual({ valid: true, atc: 2 });
    });
    test('a confirmation code for another ATC does not verify', () => {
        expect(store.verifyConfirmationCode({ csn, atc: 3, purse: index_1.PURSE.food, amount: 10000n }, off.confirmation_code)).toMatchObject({ valid: false, reason: 'mac_mismatch' });
    });
});
