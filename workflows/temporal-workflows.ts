// The workflow bundle's entry: every workflow type the server worker runs. Deterministic code
// only (webpack bundles this file and what it imports into the workflow sandbox).
export { DownloadWorkflow } from './download/download-workflow';
export { SettlementWorkflow } from './settlement/settlement-workflow';
export { VoucherIssuanceWorkflow } from './vouchers/voucher-workflow';
