/**
 * Starting and following a settlement from a client (the CLI, the portal): the same code for both.
 * The client reads the file's header to name the workflow, so uploading the same file twice finds
 * the first run and its result instead of settling again.
 */
import * as fs from 'node:fs';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, defineSearchAttributeKey } from '@temporalio/common';
import { settlementWorkflowId } from './batch-identity';
import { SettlementError } from './settlement-error';
import { FILE_REJECTED_FAILURE, settlementProgressQuery, type RejectedFile, type SettlementInput, type SettlementResult, type StoredUpload } from './settlement-types';
import { storeUpload } from './upload-store';

/**
 * SettlementWorkflow's signature, declared here rather than imported from settlement-workflow.ts:
 * that module's imports reach the activities and card-driver's transports, which must never become
 * reachable from the client side (.dependency-cruiser.cjs, workflows-client-is-client-only).
 * settlement-workflow.ts checks that it satisfies this type.
 */
export type SettlementWorkflowType = (input: SettlementInput) => Promise<SettlementResult>;
type SettlementWorkflow = SettlementWorkflowType;

export interface SettlementUploadOptions {
  readonly merchantId: string;
  /** The `.estb` file as exported from the Transfer card. */
  readonly file: string;
  /** Where uploads are kept for the worker to read (shared with the worker's machine). */
  readonly uploadDir: string;
  /** The server worker's task queue. */
  readonly taskQueue: string;
  readonly chunkRecords?: number;
  readonly chunksPerRun?: number;
  readonly chunkConcurrency?: number;
}

export interface StartedSettlement {
  readonly workflowId: string;
  /**
   * False when this file's settlement had finished before: the handle gives the first result.
   * True when this upload started the run (or joined the run of an upload a moment earlier).
   */
  readonly started: boolean;
  /** The run this upload started (continued-as-new runs follow it); absent when it found an earlier upload. */
  readonly firstExecutionRunId?: string;
  readonly handle: WorkflowHandle<SettlementWorkflow>;
}

// Only what names the workflow is read here (spec 4.5: "ESTB", version, Transfer card id, batch
// seq); the worker verifies the whole file with card-driver's reader, header included, and refuses
// it if these bytes lied. The client stays free of card-driver (and of its native reader modules).
const ESTB_MAGIC = 'ESTB';
const ESTB_VERSION = 0x01;
const NAMING_BYTES = 17;

async function readBatchIdentity(upload: StoredUpload): Promise<{ transferCardId: string; batchSeq: number }> {
  const fd = await fs.promises.open(upload.path, 'r');
  try {
    const head = Buffer.alloc(NAMING_BYTES);
    const { bytesRead } = await fd.read(head, 0, NAMING_BYTES, 0);
    if (bytesRead < NAMING_BYTES || head.toString('latin1', 0, 4) !== ESTB_MAGIC || head[4] !== ESTB_VERSION) {
      throw new SettlementError('not_an_estb_file', `${upload.path} is not an .estb settlement file (version 01); upload the file exported from the Transfer card.`);
    }
    return { transferCardId: head.toString('hex', 5, 13).toUpperCase(), batchSeq: head.readUInt32BE(13) };
  } finally {
    await fd.close();
  }
}

/**
 * Stores the file and starts its SettlementWorkflow, or attaches to the one already started for
 * the same Transfer card batch. A file that is not `.estb` at all is refused here (SettlementError).
 */
export async function uploadSettlementFile(client: Client, options: SettlementUploadOptions): Promise<StartedSettlement> {
  const upload = await storeUpload(options.file, options.uploadDir, '.estb');
  const header = await readBatchIdentity(upload);
  const input: SettlementInput = {
    merchantId: options.merchantId,
    transferCardId: header.transferCardId,
    batchSeq: header.batchSeq,
    upload,
    chunkRecords: options.chunkRecords,
    chunksPerRun: options.chunksPerRun,
    chunkConcurrency: options.chunkConcurrency,
  };
  const workflowId = settlementWorkflowId(header);
  try {
    const handle = await client.workflow.start<SettlementWorkflow>('SettlementWorkflow', {
      workflowId,
      taskQueue: options.taskQueue,
      args: [input],
      // A completed settlement is final; a refused file (a failed run) may be uploaded again corrected.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      workflowIdConflictPolicy: 'USE_EXISTING',
      // Findable in the Web UI from the first moment, and the uploader is known to later uploads.
      memo: { merchantId: options.merchantId },
      typedSearchAttributes: [
        { key: PURSEFLOW_KIND, value: 'settlement' },
        { key: MERCHANT_ID, value: options.merchantId },
      ],
    });
    const attached = await uploaderOf(handle);
    // USE_EXISTING may have joined a run started by someone else a moment earlier.
    if (attached !== undefined && attached !== options.merchantId) throw notYours(workflowId);
    return { workflowId, started: true, firstExecutionRunId: handle.firstExecutionRunId, handle };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const handle = client.workflow.getHandle<SettlementWorkflow>(workflowId);
    // The batch belongs to whoever uploaded it first: another merchant learns nothing about it.
    if ((await uploaderOf(handle)) !== options.merchantId) throw notYours(workflowId);
    return { workflowId, started: false, handle };
  }
}

const PURSEFLOW_KIND = defineSearchAttributeKey('PurseflowKind', 'KEYWORD');
const MERCHANT_ID = defineSearchAttributeKey('MerchantId', 'KEYWORD');
const PURSEFLOW_STATE = defineSearchAttributeKey('PurseflowState', 'KEYWORD');

async function uploaderOf(handle: WorkflowHandle): Promise<string | undefined> {
  const memo = (await handle.describe()).memo as { merchantId?: unknown } | undefined;
  return typeof memo?.merchantId === 'string' ? memo.merchantId : undefined;
}

function notYours(workflowId: string): SettlementError {
  return new SettlementError('not_your_batch', `${workflowId} was uploaded by another merchant; upload only files of your own Transfer cards.`);
}

/** The typed outcome of a settlement run: a whole-file rejection comes back as a value, not a throw. */
export async function settlementOutcome(handle: WorkflowHandle<SettlementWorkflow>): Promise<SettlementResult> {
  try {
    return await handle.result();
  } catch (err) {
    const rejected = rejectedFileOf(err);
    if (rejected) return rejected;
    throw err;
  }
}

function rejectedFileOf(err: unknown): RejectedFile | undefined {
  if (!(err instanceof WorkflowFailedError)) return undefined;
  const cause = err.cause;
  if (!(cause instanceof ApplicationFailure) || cause.type !== FILE_REJECTED_FAILURE) return undefined;
  const [details] = cause.details ?? [];
  return details as RejectedFile;
}

export function settlementProgress(handle: WorkflowHandle<SettlementWorkflow>) {
  return handle.query(settlementProgressQuery);
}

export interface StuckSettlement {
  readonly workflowId: string;
  readonly merchantId?: string;
  /** PurseflowState: verifying, checking or posting. */
  readonly phase: string;
  /** When the current run started (a continued-as-new run starts afresh). */
  readonly startTime: Date;
}

/** A settlement runs for seconds to minutes; one running longer than this waits for something (a worker, the database). */
export const SETTLEMENT_STUCK_AFTER_MS = 15 * 60_000;

/**
 * Settlements still running after `runningLongerThanMs` (visibility; eventually consistent), oldest
 * first: the operator's "waiting past their time".
 */
export async function listStuckSettlements(client: Client, filter: { runningLongerThanMs?: number; now?: Date; limit?: number } = {}): Promise<StuckSettlement[]> {
  const after = filter.runningLongerThanMs ?? SETTLEMENT_STUCK_AFTER_MS;
  if (!Number.isFinite(after) || after < 0) throw new SettlementError('invalid_argument', `runningLongerThanMs is a number of milliseconds from 0 (got ${after}).`);
  const limit = filter.limit ?? 200;
  const before = new Date((filter.now ?? new Date()).getTime() - after).toISOString();
  const query = `PurseflowKind = 'settlement' AND ExecutionStatus = 'Running' AND StartTime < '${before}'`;
  const out: StuckSettlement[] = [];
  for await (const w of client.workflow.list({ query, pageSize: 100 })) {
    out.push({
      workflowId: w.workflowId,
      merchantId: w.typedSearchAttributes.get(MERCHANT_ID),
      phase: w.typedSearchAttributes.get(PURSEFLOW_STATE) ?? 'unknown',
      startTime: w.startTime,
    });
    if (out.length >= limit) break;
  }
  return out.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
}
