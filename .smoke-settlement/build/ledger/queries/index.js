"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.LedgerError = exports.ACCOUNT_NORMAL_SIDE = exports.ACCOUNT_CODES = exports.formatAmount = exports.lookupAccounts = exports.lookupTransfers = exports.listAccountTransfers = exports.accountBalance = exports.balanceOf = exports.getAccountBalanceAt = exports.getAccountBalance = void 0;
/**
 * Read-only face of the ledger: what the portal may import. Nothing here writes.
 */
var balances_1 = require("./balances");
Object.defineProperty(exports, "getAccountBalance", { enumerable: true, get: function () { return balances_1.getAccountBalance; } });
Object.defineProperty(exports, "getAccountBalanceAt", { enumerable: true, get: function () { return balances_1.getAccountBalanceAt; } });
Object.defineProperty(exports, "balanceOf", { enumerable: true, get: function () { return balances_1.balanceOf; } });
Object.defineProperty(exports, "accountBalance", { enumerable: true, get: function () { return balances_1.accountBalance; } });
var account_transfers_1 = require("./account-transfers");
Object.defineProperty(exports, "listAccountTransfers", { enumerable: true, get: function () { return account_transfers_1.listAccountTransfers; } });
Object.defineProperty(exports, "lookupTransfers", { enumerable: true, get: function () { return account_transfers_1.lookupTransfers; } });
var account_store_1 = require("../account-store");
Object.defineProperty(exports, "lookupAccounts", { enumerable: true, get: function () { return account_store_1.lookupAccounts; } });
var amount_1 = require("../amount");
Object.defineProperty(exports, "formatAmount", { enumerable: true, get: function () { return amount_1.formatAmount; } });
var account_1 = require("../account");
Object.defineProperty(exports, "ACCOUNT_CODES", { enumerable: true, get: function () { return account_1.ACCOUNT_CODES; } });
Object.defineProperty(exports, "ACCOUNT_NORMAL_SIDE", { enumerable: true, get: function () { return account_1.ACCOUNT_NORMAL_SIDE; } });
var errors_1 = require("../errors");
Object.defineProperty(exports, "LedgerError", { enumerable: true, get: function () { return errors_1.LedgerError; } });
