"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.VoucherIssuanceWorkflow = exports.SettlementWorkflow = exports.DownloadWorkflow = void 0;
// The workflow bundle's entry: every workflow type the server worker runs. Deterministic code
// only (webpack bundles this file and what it imports into the workflow sandbox).
var download_workflow_1 = require("./download/download-workflow");
Object.defineProperty(exports, "DownloadWorkflow", { enumerable: true, get: function () { return download_workflow_1.DownloadWorkflow; } });
var settlement_workflow_1 = require("./settlement/settlement-workflow");
Object.defineProperty(exports, "SettlementWorkflow", { enumerable: true, get: function () { return settlement_workflow_1.SettlementWorkflow; } });
var voucher_workflow_1 = require("./vouchers/voucher-workflow");
Object.defineProperty(exports, "VoucherIssuanceWorkflow", { enumerable: true, get: function () { return voucher_workflow_1.VoucherIssuanceWorkflow; } });
