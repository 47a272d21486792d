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
var __exportStar = (this && this.__exportStar) || function(m, exports) {
    for (var p in m) if (p !== "default" && !Object.prototype.hasOwnProperty.call(exports, p)) __createBinding(exports, m, p);
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.checkLedgerInvariants = exports.LedgerError = exports.isLedgerId = exports.AmountError = exports.MAX_AMOUNT = exports.formatAmount = exports.parseAmount = exports.TRANSFER_FLAG_BITS = exports.ACCOUNT_FLAG_BITS = exports.isTransferApplied = exports.TRANSIENT_TRANSFER_RESULTS = exports.CREATE_ACCOUNT_RESULTS = exports.CREATE_TRANSFER_RESULTS = exports.isAccountCode = exports.ACCOUNT_NORMAL_SIDE = exports.ACCOUNT_CODES = exports.LedgerBatcher = exports.MAX_BATCH_EVENTS = exports.createLedger = exports.Ledger = exports.rollbackLedger = exports.migrateLedger = void 0;
/**
 * Public face of the ledger: a two-phase, double-entry ledger on PostgreSQL with TigerBeetle's
 * semantics. See README.md for the model, the result codes and the guarantees.
 */
var migrations_1 = require("./migrations");
Object.defineProperty(exports, "migrateLedger", { enumerable: true, get: function () { return migrations_1.migrateLedger; } });
Object.defineProperty(exports, "rollbackLedger", { enumerable: true, get: function () { return migrations_1.rollbackLedger; } });
var ledger_1 = require("./ledger");
Object.defineProperty(exports, "Ledger", { enumerable: true, get: function () { return ledger_1.Ledger; } });
Object.defineProperty(exports, "createLedger", { enumerable: true, get: function () { return ledger_1.createLedger; } });
Object.defineProperty(exports, "MAX_BATCH_EVENTS", { enumerable: true, get: function () { return ledger_1.MAX_BATCH_EVENTS; } });
var batcher_1 = require("./batcher");
Object.defineProperty(exports, "LedgerBatcher", { enumerable: true, get: function () { return batcher_1.LedgerBatcher; } });
var account_1 = require("./account");
Object.defineProperty(exports, "ACCOUNT_CODES", { enumerable: true, get: function () { return account_1.ACCOUNT_CODES; } });
Object.defineProperty(exports, "ACCOUNT_NORMAL_SIDE", { enumerable: true, get: function () { return account_1.ACCOUNT_NORMAL_SIDE; } });
Object.defineProperty(exports, "isAccountCode", { enumerable: true, get: function () { return account_1.isAccountCode; } });
var result_codes_1 = require("./result-codes");
Object.defineProperty(exports, "CREATE_TRANSFER_RESULTS", { enumerable: true, get: function () { return result_codes_1.CREATE_TRANSFER_RESULTS; } });
Object.defineProperty(exports, "CREATE_ACCOUNT_RESULTS", { enumerable: true, get: function () { return result_codes_1.CREATE_ACCOUNT_RESULTS; } });
Object.defineProperty(exports, "TRANSIENT_TRANSFER_RESULTS", { enumerable: true, get: function () { return result_codes_1.TRANSIENT_TRANSFER_RESULTS; } });
Object.defineProperty(exports, "isTransferApplied", { enumerable: true, get: function () { return result_codes_1.isTransferApplied; } });
var flags_1 = require("./flags");
Object.defineProperty(exports, "ACCOUNT_FLAG_BITS", { enumerable: true, get: function () { return flags_1.ACCOUNT_FLAG_BITS; } });
Object.defineProperty(exports, "TRANSFER_FLAG_BITS", { enumerable: true, get: function () { return flags_1.TRANSFER_FLAG_BITS; } });
var amount_1 = require("./amount");
Object.defineProperty(exports, "parseAmount", { enumerable: true, get: function () { return amount_1.parseAmount; } });
Object.defineProperty(exports, "formatAmount", { enumerable: true, get: function () { return amount_1.formatAmount; } });
Object.defineProperty(exports, "MAX_AMOUNT", { enumerable: true, get: function () { return amount_1.MAX_AMOUNT; } });
Object.defineProperty(exports, "AmountError", { enumerable: true, get: function () { return amount_1.AmountError; } });
var identifiers_1 = require("./identifiers");
Object.defineProperty(exports, "isLedgerId", { enumerable: true, get: function () { return identifiers_1.isLedgerId; } });
var errors_1 = require("./errors");
Object.defineProperty(exports, "LedgerError", { enumerable: true, get: function () { return errors_1.LedgerError; } });
var invariants_1 = require("./invariants");
Object.defineProperty(exports, "checkLedgerInvariants", { enumerable: true, get: function () { return invariants_1.checkLedgerInvariants; } });
__exportStar(require("./queries"), exports);
