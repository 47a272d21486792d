"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.IssuerKeyStore = void 0;
// The issuer's key store: the only holder of the four master keys (spec 2.1). The server asks it
// for MACs and code checks; derived keys (a card's, a SAM's, a Transfer card's) may leave it, the
// master keys never do.
const derivation_1 = require("../crypto/derivation");
const retail_mac_1 = require("../crypto/retail-mac");
const digits_1 = require("../crypto/digits");
const identity_1 = require("../esmart/identity");
const offline_codes_1 = require("../esmart/offline-codes");
const protocol_error_1 = require("../esmart/protocol-error");
const transaction_macs_1 = require("../esmart/transaction-macs");
const node_crypto_1 = require("node:crypto");
// Enough for every card and SAM of a large settlement batch; bounded so a hostile file of
// random CSNs cannot grow memory without limit.
const DERIVED_KEY_CACHE_ENTRIES = 8192;
class DerivedKeyCache {
    capacity;
    #entries = new Map();
    constructor(capacity) {
        this.capacity = capacity;
    }
    get(id, derive) {
        const hit = this.#entries.get(id);
        if (hit)
            return hit;
        const key = derive();
        if (this.#entries.size >= this.capacity) {
            const oldest = this.#entries.keys().next().value;
            this.#entries.get(oldest)?.releaseContexts();
            this.#entries.delete(oldest);
        }
        this.#entries.set(id, key);
        return key;
    }
}
class IssuerKeyStore {
    source;
    #masters;
    #purchaseKeys = new DerivedKeyCache(DERIVED_KEY_CACHE_ENTRIES);
    #loadKeys = new DerivedKeyCache(DERIVED_KEY_CACHE_ENTRIES);
    #samKeys = new DerivedKeyCache(DERIVED_KEY_CACHE_ENTRIES);
    #transferKeys = new DerivedKeyCache(64);
    /** `source` says where the master keys came from, for startup logs; it holds no key material. */
    constructor(masters, source) {
        this.source = source;
        this.#masters = masters;
    }
    cardKeys(csn) {
        return { load: this.#loadKey(csn), purchase: this.cardPurchaseKey(csn) };
    }
    cardPurchaseKey(csn) {
        return this.#purchaseKeys.get(csn, () => (0, derivation_1.diversify)(this.#masters.purchase, (0, identity_1.csnToBytes)(csn), `KP(${csn})`));
    }
    samKey(samId) {
        return this.#samKeys.get(samId, () => (0, derivation_1.diversify)(this.#masters.sam, (0, identity_1.hexIdToBytes)(samId), `KS(${samId})`));
    }
    transferCardKey(id) {
        return this.#transferKeys.get(id, () => (0, derivation_1.diversify)(this.#masters.transfer, (0, identity_1.hexIdToBytes)(id), `KT(${id})`));
    }
    verifyMac1(session, mac1) {
        return sameMac((0, transaction_macs_1.computeMac1)(this.#loadKey(session.csn), session), mac1);
    }
    mac2(session) {
        return (0, transaction_macs_1.computeMac2)(this.#loadKey(session.csn), session);
    }
    mac3(credit) {
        return (0, transaction_macs_1.computeMac3)(this.#loadKey(credit.csn), credit);
    }
    verifyMac3(credit, mac3) {
        return sameMac(this.mac3(credit), mac3);
    }
    verifyRequestCode(request, code) {
        let parsed;
        try {
            parsed = (0, offline_codes_1.parseRequestCode)(code);
        }
        catch (err) {
            return codeRefusal(err);
        }
        const mac1 = (0, transaction_macs_1.computeMac1)(this.#loadKey(request.csn), {
            ...request,
            atc: parsed.atc,
            rh: transaction_macs_1.OFFLINE_RANDOM,
            rc: transaction_macs_1.OFFLINE_RANDOM,
        });
        if ((0, digits_1.digits8)(mac1) !== parsed.mac1Digits) {
            return {
                valid: false,
                reason: 'mac_mismatch',
                message: 'This request code does not belong to this card, purse and amount; check the form and the code on the pocket.',
            };
        }
        return { valid: true, atc: parsed.atc };
    }
    authorizationCode(credit) {
        return (0, offline_codes_1.formatAuthorizationCode)(this.mac2({ ...credit, rh: transaction_macs_1.OFFLINE_RANDOM, rc: transaction_macs_1.OFFLINE_RANDOM }));
    }
    verifyConfirmationCode(credit, code) {
        let digits;
        try {
            digits = (0, offline_codes_1.parseConfirmationCode)(code);
        }
        catch (err) {
            return codeRefusal(err);
        }
        if ((0, digits_1.digits8)(this.mac3(credit)) !== digits) {
            return {
                valid: false,
                reason: 'mac_mismatch',
                message: 'This confirmation code does not prove this load; check the code the pocket shows (it can show it again).',
            };
        }
        return { valid: true };
    }
    verifyPurchaseMac(purchase, macp) {
        return sameMac((0, transaction_macs_1.computePurchaseMac)(this.cardPurchaseKey(purchase.csn), purchase), macp);
    }
    verifySamMac(samId, recordHead, macs) {
        return sameMac((0, transaction_macs_1.computeSamMac)(this.samKey(samId), recordHead), macs);
    }
    transferFileMac(id) {
        return new retail_mac_1.RetailMacStream(this.transferCardKey(id));
    }
    #loadKey(csn) {
        return this.#loadKeys.get(csn, () => (0, derivation_1.diversify)(this.#masters.load, (0, identity_1.csnToBytes)(csn), `KL(${csn})`));
    }
    toString() {
        return `IssuerKeyStore(${this.source})`;
    }
    toJSON() {
        return this.toString();
    }
    [Symbol.for('nodejs.util.inspect.custom')]() {
        return this.toString();
    }
}
exports.IssuerKeyStore = IssuerKeyStore;
function sameMac(expected, given) {
    return given.length === expected.length && (0, node_crypto_1.timingSafeEqual)(expected, given);
}
function codeRefusal(err) {
    if (err instanceof protocol_error_1.EsmartError && (err.code === 'code_format' || err.code === 'code_check_digit')) {
        return { valid: false, reason: err.code === 'code_format' ? 'format' : 'check_digit', message: err.message };
    }
    throw err;
}
