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
exports.KeyConfigError = exports.TEST_MASTER_KEYS_HEX = exports.KEY_ENV = void 0;
exports.isProductionMode = isProductionMode;
exports.testMasterKeys = testMasterKeys;
exports.testKeyStore = testKeyStore;
exports.keyStoreFromEnvironment = keyStoreFromEnvironment;
// Where the issuer's master keys come from. Production must configure its own; the spec's test
// keys are the development default and are refused in production mode.
const fs = __importStar(require("node:fs"));
const secret_key_1 = require("../crypto/secret-key");
const key_store_1 = require("./key-store");
exports.KEY_ENV = {
    file: 'PURSEFLOW_MASTER_KEYS_FILE',
    load: 'PURSEFLOW_MK_LOAD',
    purchase: 'PURSEFLOW_MK_PURCHASE',
    sam: 'PURSEFLOW_MK_SAM',
    transfer: 'PURSEFLOW_MK_TRANSFER',
};
/** The spec's test keys (esmart-card.md 2.1). Public knowledge: never for real money. */
exports.TEST_MASTER_KEYS_HEX = {
    MK_LOAD: '404142434445464748494A4B4C4D4E4F',
    MK_PURCHASE: '505152535455565758595A5B5C5D5E5F',
    MK_SAM: '606162636465666768696A6B6C6D6E6F',
    MK_TRANSFER: '707172737475767778797A7B7C7D7E7F',
};
const NAMES = ['MK_LOAD', 'MK_PURCHASE', 'MK_SAM', 'MK_TRANSFER'];
const ENV_OF = {
    MK_LOAD: exports.KEY_ENV.load,
    MK_PURCHASE: exports.KEY_ENV.purchase,
    MK_SAM: exports.KEY_ENV.sam,
    MK_TRANSFER: exports.KEY_ENV.transfer,
};
class KeyConfigError extends Error {
    code;
    constructor(code, message) {
        super(message);
        this.code = code;
        this.name = 'KeyConfigError';
    }
}
exports.KeyConfigError = KeyConfigError;
function isProductionMode(env) {
    return env.NODE_ENV === 'production' || env.PURSEFLOW_MODE === 'production';
}
function testMasterKeys() {
    return toMasters(exports.TEST_MASTER_KEYS_HEX, 'test key');
}
/** A key store over the spec's test keys, for tests, simulators and demos. */
function testKeyStore() {
    return new key_store_1.IssuerKeyStore(testMasterKeys(), 'test-keys');
}
/**
 * The key store as configured by the environment (README "Master keys"): a JSON file named by
 * PURSEFLOW_MASTER_KEYS_FILE, or the four PURSEFLOW_MK_* variables, or — outside production — the
 * test keys.
 */
function keyStoreFromEnvironment(env = process.env) {
    const production = isProductionMode(env);
    const file = env[exports.KEY_ENV.file];
    const given = NAMES.filter((n) => env[ENV_OF[n]] !== undefined && env[ENV_OF[n]] !== '');
    if (file && given.length > 0) {
        throw new KeyConfigError('keys_conflicting_sources', `Both ${exports.KEY_ENV.file} and ${given.map((n) => ENV_OF[n]).join(', ')} are set; configure the master keys in one place only.`);
    }
    let source;
    let hex;
    if (file) {
        source = 'file';
        hex = readKeysFile(file);
    }
    else if (given.length > 0) {
        if (given.length !== NAMES.length) {
            const missing = NAMES.filter((n) => !given.includes(n)).map((n) => ENV_OF[n]);
            throw new KeyConfigError('keys_incomplete', `Set all four master keys; missing ${missing.join(', ')}.`);
        }
        source = 'environment';
        hex = Object.fromEntries(NAMES.map((n) => [n, env[ENV_OF[n]]]));
    }
    else {
        if (production) {
            throw new KeyConfigError('keys_missing_in_production', `Production mode needs the issuer's own master keys: set ${exports.KEY_ENV.file} (a JSON file with MK_LOAD, MK_PURCHASE, MK_SAM, MK_TRANSFER) or the four ${exports.KEY_ENV.load}/… variables.`);
        }
        return testKeyStore();
    }
    const masters = toMasters(hex, 'master key');
    if (production) {
        const tests = testMasterKeys();
        const reused = NAMES.filter((n) => masterOf(masters, n).equals(masterOf(tests, n)));
        if (reused.length > 0) {
            throw new KeyConfigError('test_keys_in_production', `${reused.join(', ')} ${reused.length === 1 ? 'is' : 'are'} the published test key; production must use the issuer's own keys.`);
        }
    }
    return new key_store_1.IssuerKeyStore(masters, source);
}
function readKeysFile(path) {
    let text;
    try {
        text = fs.readFileSync(path, 'utf8');
    }
    catch (err) {
        const reason = err.code ?? 'unreadable';
        throw new KeyConfigError('keys_file_unreadable', `Cannot read the master keys file ${path} (${reason}); check ${exports.KEY_ENV.file} and the file's permissions.`);
    }
    let parsed;
    try {
        parsed = JSON.parse(text);
    }
    catch {
        // JSON.parse's own message quotes the text around the error, which would be key material.
        throw new KeyConfigError('keys_file_invalid', `The master keys file ${path} is not valid JSON; it must be {"MK_LOAD": "<32 hex>", "MK_PURCHASE": …, "MK_SAM": …, "MK_TRANSFER": …}.`);
    }
    if (typeof parsed !== 'object' || parsed === null) {
        throw new KeyConfigError('keys_file_invalid', `The master keys file ${path} must hold one JSON object with MK_LOAD, MK_PURCHASE, MK_SAM, MK_TRANSFER.`);
    }
    const record = parsed;
    const missing = NAMES.filter((n) => typeof record[n] !== 'string');
    if (missing.length > 0) {
        throw new KeyConfigError('keys_incomplete', `The master keys file ${path} lacks ${missing.join(', ')} (each a string of 32 hex digits).`);
    }
    return Object.fromEntries(NAMES.map((n) => [n, record[n]]));
}
function toMasters(hex, what) {
    const key = (n) => {
        let k;
        try {
            k = secret_key_1.SecretKey.fromHex(hex[n], n);
        }
        catch (err) {
            if (err instanceof secret_key_1.CryptoError)
                throw new KeyConfigError('key_invalid', `The ${what} ${n} must be 32 hexadecimal digits (16 bytes).`);
            throw err;
        }
        if (k.isSingleLength) {
            throw new KeyConfigError('key_single_length', `The ${what} ${n} has equal halves (it would be single DES); generate a proper two-key 3DES key.`);
        }
        return k;
    };
    return { load: key('MK_LOAD'), purchase: key('MK_PURCHASE'), sam: key('MK_SAM'), transfer: key('MK_TRANSFER') };
}
function masterOf(m, n) {
    return n === 'MK_LOAD' ? m.load : n === 'MK_PURCHASE' ? m.purchase : n === 'MK_SAM' ? m.sam : m.transfer;
}
