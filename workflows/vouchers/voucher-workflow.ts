/**
 * VoucherIssuanceWorkflow: one run per voucher file (named by the file's hash), one activity per
 * chunk of lines, a progress query for the terminal's progress bar. Running the same file again
 * issues only what is missing (for example rows of customers enrolled since): every voucher's
 * transfer id is named by the file and the line.
 */
import { ApplicationFailure, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { defineSearchAttributeKey } from '@temporalio/common';
import type { VoucherActivities } from './voucher-activities';
import { RESULT_ROW_REJECTIONS_LIMIT, VOUCHER_FILE_REJECTED_FAILURE, voucherProgressQuery, type RejectedVoucherRow, type VoucherIssuanceInput, type VoucherIssuanceResult, type VoucherProgress } from './voucher-types';

const PURSEFLOW_KIND = defineSearchAttributeKey('PurseflowKind', 'KEYWORD');
const PURSEFLOW_STATE = defineSearchAttributeKey('PurseflowState', 'KEYWORD');

export const DEFAULT_ROWS_PER_CHUNK = 1000;

const activities = proxyActivities<VoucherActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export async function VoucherIssuanceWorkflow(input: VoucherIssuanceInput): Promise<VoucherIssuanceResult> {
  const progress = { phase: 'scanning' as VoucherProgress['phase'], totalRows: 0, processedRows: 0, issued: 0, alreadyIssued: 0, rejected: 0 };
  setHandler(voucherProgressQuery, () => ({ ...progress }));
  const enter = (phase: VoucherProgress['phase']): void => {
    progress.phase = phase;
    upsertSearchAttributes([
      { key: PURSEFLOW_KIND, value: 'vouchers' },
      { key: PURSEFLOW_STATE, value: phase },
    ]);
  };

  enter('scanning');
  const scan = await activities.scanVoucherFile({ upload: input.upload, rowsPerChunk: input.rowsPerChunk ?? DEFAULT_ROWS_PER_CHUNK });
  if (!scan.accepted) {
    enter('file_rejected');
    const result: VoucherIssuanceResult = { outcome: 'file_rejected', fileSha256: input.upload.sha256, reason: scan.reason, message: scan.message };
    throw ApplicationFailure.create({ type: VOUCHER_FILE_REJECTED_FAILURE, message: scan.message, nonRetryable: true, details: [result] });
  }

  enter('issuing');
  progress.totalRows = scan.rows;
  const rejections: RejectedVoucherRow[] = [];
  let issuedMinor = 0n;
  for (const chunk of scan.chunks) {
    // Names this run in the voucher claims; the first execution's run id survives an operator's reset.
    const summary = await activities.issueVoucherChunk({ upload: input.upload, chunk, issuingRun: workflowInfo().firstExecutionRunId });
    progress.processedRows += summary.rows;
    progress.issued += summary.issued;
    progress.alreadyIssued += summary.alreadyIssued;
    progress.rejected += summary.rejections.length;
    issuedMinor += BigInt(summary.issuedMinor);
    for (const r of summary.rejections) if (rejections.length <= RESULT_ROW_REJECTIONS_LIMIT) rejections.push(r);
  }
  enter('done');
  return {
    outcome: 'processed',
    fileSha256: input.upload.sha256,
    rows: progress.totalRows,
    issued: progress.issued,
    alreadyIssued: progress.alreadyIssued,
    rejected: progress.rejected,
    issuedMinor: issuedMinor.toString(),
    rejections: rejections.slice(0, RESULT_ROW_REJECTIONS_LIMIT),
    moreRejections: rejections.length > RESULT_ROW_REJECTIONS_LIMIT,
  };
}
