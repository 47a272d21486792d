"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.createVoucherActivities = exports.storeUpload = exports.SettlementError = exports.payoutTransferId = exports.payOutMerchant = exports.createSettlementActivities = exports.rollbackSettlement = exports.migrateSettlement = void 0;
// The public face of workflows/ for the composition root (cli/) and deployments: a plain list of
// exports; each part appends its own lines. The portal imports workflows/client instead.
var settlement_schema_1 = require("./settlement/settlement-schema");
Object.defineProperty(exports, "migrateSettlement", { enumerable: true, get: function () { return settlement_schema_1.migrateSettlement; } });
Object.defineProperty(exports, "rollbackSettlement", { enumerable: true, get: function () { return settlement_schema_1.rollbackSettlement; } });
var settlement_activities_1 = require("./settlement/settlement-activities");
Object.defineProperty(exports, "createSettlementActivities", { enumerable: true, get: function () { return settlement_activities_1.createSettlementActivities; } });
var merchant_payout_1 = require("./settlement/merchant-payout");
Object.defineProperty(exports, "payOutMerchant", { enumerable: true, get: function () { return merchant_payout_1.payOutMerchant; } });
Object.defineProperty(exports, "payoutTransferId", { enumerable: true, get: function () { return merchant_payout_1.payoutTransferId; } });
var settlement_error_1 = require("./settlement/settlement-error");
Object.defineProperty(exports, "SettlementError", { enumerable: true, get: function () { return settlement_error_1.SettlementError; } });
var upload_store_1 = require("./settlement/upload-store");
Object.defineProperty(exports, "storeUpload", { enumerable: true, get: function () { return upload_store_1.storeUpload; } });
var voucher_activities_1 = require("./vouchers/voucher-activities");
Object.defineProperty(exports, "createVoucherActivities", { enumerable: true, get: function () { return voucher_activities_1.createVoucherActivities; } });
