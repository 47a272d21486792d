"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.batchKeyOf = batchKeyOf;
exports.settlementWorkflowId = settlementWorkflowId;
function batchKeyOf(batch) {
    return `${batch.transferCardId}-${batch.batchSeq}`;
}
function settlementWorkflowId(batch) {
    return `settlement-${batchKeyOf(batch)}`;
}
