/**
 * Issuing a voucher file from a client (the CLI, the portal): store it, start (or re-run) its
 * workflow, follow its progress, get the typed result.
 */
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { storeUpload } from '../settlement/upload-store';
import { VOUCHER_FILE_REJECTED_FAILURE, voucherProgressQuery, type VoucherIssuanceResult, type VoucherProgress } from './voucher-types';
import type { VoucherIssuanceWorkflow } from './voucher-workflow';

export interface VoucherIssueOptions {
  readonly file: string;
  readonly uploadDir: string;
  readonly taskQueue: string;
  readonly rowsPerChunk?: number;
}

export function voucherWorkflowId(fileSha256: string): string {
  return `vouchers-${fileSha256}`;
}

/**
 * Starts the file's workflow. A file being issued right now is joined, not started twice; a file
 * issued before runs again, which issues only the rows that were not issued then.
 */
export async function startVoucherIssuance(client: Client, options: VoucherIssueOptions): Promise<WorkflowHandle<typeof VoucherIssuanceWorkflow>> {
  const upload = await storeUpload(options.file, options.uploadDir, '.csv');
  return client.workflow.start<typeof VoucherIssuanceWorkflow>('VoucherIssuanceWorkflow', {
    workflowId: voucherWorkflowId(upload.sha256),
    taskQueue: options.taskQueue,
    args: [{ upload, rowsPerChunk: options.rowsPerChunk }],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

export function voucherProgress(handle: WorkflowHandle<typeof VoucherIssuanceWorkflow>): Promise<VoucherProgress> {
  return handle.query(voucherProgressQuery);
}

/** The typed outcome; a refused file comes back as a value, not a throw. */
export async function voucherIssuanceOutcome(handle: WorkflowHandle<typeof VoucherIssuanceWorkflow>): Promise<VoucherIssuanceResult> {
  try {
    return await handle.result();
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure && err.cause.type === VOUCHER_FILE_REJECTED_FAILURE) {
      return (err.cause.details ?? [])[0] as VoucherIssuanceResult;
    }
    throw err;
  }
}
