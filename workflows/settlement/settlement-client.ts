/**
 * Starting and following a settlement from a client (the CLI, the portal): the same code for both.
 * The client reads the file's header to name the workflow, so uploading the same file twice finds
 * the first run and its result instead of settling again.
 */
import * as fs from 'node:fs';
import { isGrpcServiceError, WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, defineSearchAttributeKey } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
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

/** gRPC's NOT_FOUND status code (the client's transport is not a dependency of ours). */
const GRPC_NOT_FOUND = 5;

/** One step a settlement waits on: a pending activity as Temporal describes it. */
export interface SettlementPendingStep {
  /** The activity's id in its workflow (what an activity reset names). */
  readonly activityId: string;
  /** The activity type: verifySettlementFile, checkSettlementChunk, postSettlementChunk, summarizeSettlement. */
  readonly activity: string;
  /** scheduled (no worker took it yet), started (a worker runs it) or paused. */
  readonly state: 'scheduled' | 'started' | 'paused' | 'cancel_requested' | 'unknown';
  readonly attempt: number;
  /** The last attempt's failure message, when one failed. */
  readonly lastFailure?: string;
  /** When Temporal tries again on its own (backoff), when it waits to. */
  readonly nextAttemptAt?: Date;
}

/** What a running settlement waits on: the operator's evidence. */
export interface SettlementWait {
  readonly workflowId: string;
  readonly running: boolean;
  readonly taskQueue: string;
  /** Whether a server worker polls the settlement's task queue right now (its activities'). */
  readonly workerPolling: boolean;
  readonly pending: readonly SettlementPendingStep[];
}

const PENDING_STATE: Record<number, SettlementPendingStep['state']> = {
  [temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED]: 'scheduled',
  [temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED]: 'started',
  [temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED]: 'cancel_requested',
  [temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_PAUSED]: 'paused',
  [temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_PAUSE_REQUESTED]: 'paused',
};

function timestampDate(t: { seconds?: unknown; nanos?: number | null } | null | undefined): Date | undefined {
  if (!t || t.seconds === undefined || t.seconds === null) return undefined;
  return new Date(Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6));
}

/** The settlement's pending steps, their attempts and last failures, and whether a worker polls. */
export async function settlementWait(client: Client, workflowId: string): Promise<SettlementWait> {
  const description = await client.workflow.getHandle(workflowId).describe();
  const raw = description.raw;
  const taskQueue = raw.workflowExecutionInfo?.taskQueue ?? description.taskQueue;
  const pollers = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  return {
    workflowId,
    running: description.status.name === 'RUNNING',
    taskQueue,
    workerPolling: (pollers.pollers ?? []).length > 0,
    pending: (raw.pendingActivities ?? []).map((a) => ({
      activityId: a.activityId ?? '',
      activity: a.activityType?.name ?? 'unknown',
      state: PENDING_STATE[a.state ?? 0] ?? 'unknown',
      attempt: a.attempt ?? 1,
      ...(a.lastFailure?.message ? { lastFailure: a.lastFailure.message } : {}),
      ...(timestampDate(a.nextAttemptScheduleTime) ? { nextAttemptAt: timestampDate(a.nextAttemptScheduleTime) } : {}),
    })),
  };
}

/**
 * An operator's "retry now" on a settlement waiting past its time: every pending step is tried
 * again at once, its backoff cleared and its attempts counted from 1 (Temporal's activity reset;
 * SettlementWorkflow's steps are idempotent, so an extra attempt is safe). Refused, with what to
 * do, when the settlement is not running, waits on no step, or no server worker polls its task
 * queue (a retry would only wait for one too). Returns the steps it retried.
 */
export async function retrySettlementNow(client: Client, workflowId: string, operator: string): Promise<readonly string[]> {
  if (typeof operator !== 'string' || operator.trim() === '') throw new SettlementError('invalid_argument', 'Name the operator who retries.');
  const wait = await settlementWait(client, workflowId);
  if (!wait.running) throw new SettlementError('settlement_not_running', `${workflowId} is not running any more; reload to see its result.`);
  if (!wait.workerPolling) {
    throw new SettlementError('no_worker', `No server worker polls ${wait.taskQueue}, so a retry would wait like the settlement does; start one (purseflow worker) and it carries on by itself.`);
  }
  if (wait.pending.length === 0) throw new SettlementError('nothing_to_retry', `${workflowId} waits on no step right now (its worker is deciding what comes next); look again in a minute.`);
  try {
    // One by one by id: the server (1.29) does not take match_all yet.
    for (const step of wait.pending) {
      await client.workflowService.resetActivity({
        namespace: client.options.namespace,
        execution: { workflowId },
        identity: operator,
        id: step.activityId,
        resetHeartbeat: false,
        keepPaused: false,
      });
    }
  } catch (err) {
    // The step finished between the look and the reset: there is nothing left to retry.
    if (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND) {
      throw new SettlementError('nothing_to_retry', `${workflowId} moved on while you looked; reload to see where it is.`, { cause: err });
    }
    throw err;
  }
  return wait.pending.map((p) => p.activity);
}
