exports.SettlementWorkflow = require('./build/workflows/settlement/settlement-workflow').SettlementWorkflow;
exports.VoucherIssuanceWorkflow = require('./build/workflows/vouchers/voucher-workflow').VoucherIssuanceWorkflow;
