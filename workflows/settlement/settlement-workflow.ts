/**
 * SettlementWorkflow (design.md): verify the `.estb` file, decide every record chunk by chunk
 * (reserving each chunk's accepted amount as a pending transfer float → merchant payable), then
 * post every chunk's reservation, and end with a per-reason account of the rejected records.
 * Named `settlement-<Transfer card id>-<batch seq>`, so uploading the same file again finds this
 * run. Records never enter the history: activities take a chunk index and return counts.
 */
import {
  ApplicationFailure,
  continueAsNew,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { defineSearchAttributeKey } from '@temporalio/common';
import type { SettlementActivities } from './settlement-activities';
import {
  FILE_REJECTED_FAILURE,
  settlementProgressQuery,
  type RejectedFile,
  type SettlementInput,
  type SettlementPhase,
  type SettlementResult,
} from './settlement-types';
import { batchKeyOf } from './batch-identity';
import type { SettlementWorkflowType } from './settlement-client';

const PURSEFLOW_KIND = defineSearchAttributeKey('PurseflowKind', 'KEYWORD');
const PURSEFLOW_STATE = defineSearchAttributeKey('PurseflowState', 'KEYWORD');
const MERCHANT_ID = defineSearchAttributeKey('MerchantId', 'KEYWORD');

export const DEFAULT_CHUNK_RECORDS = 5000;
export const DEFAULT_CHUNKS_PER_RUN = 200;
/**
 * Chunks decided (and posted) at once. Deciding is mostly PostgreSQL's work and the worker's CPU
 * is free meanwhile; chunks that share cards still queue on the purses' row locks, which is what
 * keeps a card's shadow balance and its (CSN, ATC) claims consistent (settlement-activities.ts).
 */
export const DEFAULT_CHUNK_CONCURRENCY = 4;

// Reading and staging a large file takes a while; the heartbeat says the reader is alive.
const fileActivities = proxyActivities<SettlementActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: ['SettlementError'] },
});

// Chunk steps are idempotent (verdict rows written once, transfer ids named by chunk): retrying is safe.
// A chunk takes about a second; the heartbeat lets a chunk whose worker died run again on another
// worker within seconds instead of after the start-to-close time-out.
const chunkActivities = proxyActivities<SettlementActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: ['SettlementError'] },
});

export async function SettlementWorkflow(input: SettlementInput): Promise<SettlementResult> {
  const batchKey = batchKeyOf(input);
  const progress = {
    phase: 'verifying' as SettlementPhase,
    records: input.resume?.recordCount ?? 0,
    chunkCount: 0,
    chunksChecked: 0,
    chunksPosted: 0,
    accepted: input.resume?.accepted ?? 0,
    rejected: input.resume?.rejected ?? 0,
  };
  setHandler(settlementProgressQuery, () => ({ ...progress }));
  const enter = (phase: SettlementPhase): void => {
    progress.phase = phase;
    upsertSearchAttributes([
      { key: PURSEFLOW_KIND, value: 'settlement' },
      { key: MERCHANT_ID, value: input.merchantId },
      { key: PURSEFLOW_STATE, value: phase },
    ]);
  };

  let resume = input.resume;
  if (!resume) {
    enter('verifying');
    const verification = await fileActivities.verifySettlementFile({
      batchKey,
      merchantId: input.merchantId,
      transferCardId: input.transferCardId,
      batchSeq: input.batchSeq,
      upload: input.upload,
      chunkRecords: input.chunkRecords ?? DEFAULT_CHUNK_RECORDS,
    });
    if (!verification.accepted) {
      enter('file_rejected');
      const rejected: RejectedFile = { outcome: 'file_rejected', batchKey, merchantId: input.merchantId, reason: verification.reason, message: verification.message };
      // A failed run (not a completed one) lets the merchant upload a corrected export under the same id.
      throw ApplicationFailure.create({ type: FILE_REJECTED_FAILURE, message: verification.message, nonRetryable: true, details: [rejected] });
    }
    resume = { batchKey, recordCount: verification.recordCount, chunkRecords: verification.chunkRecords, phase: 'checking', nextChunk: 0, accepted: 0, rejected: 0 };
  }

  const chunkCount = Math.ceil(resume.recordCount / resume.chunkRecords);
  const chunksPerRun = input.chunksPerRun ?? DEFAULT_CHUNKS_PER_RUN;
  const concurrency = input.chunkConcurrency ?? DEFAULT_CHUNK_CONCURRENCY;
  if (!Number.isInteger(chunksPerRun) || chunksPerRun < 1 || !Number.isInteger(concurrency) || concurrency < 1) {
    throw ApplicationFailure.create({ type: 'SettlementError', nonRetryable: true, message: `chunksPerRun and chunkConcurrency are positive integers; got ${chunksPerRun} and ${concurrency}.` });
  }
  progress.records = resume.recordCount;
  progress.chunkCount = chunkCount;
  let stepsThisRun = 0;

  /**
   * Runs `step` for chunks first.. in index order, at most `concurrency` at once, until the run's
   * budget of steps is spent; waits for every step it started, and returns the next chunk to start.
   */
  const runChunks = async (first: number, step: (chunkIndex: number) => Promise<void>): Promise<number> => {
    const inFlight = new Set<Promise<void>>();
    let next = first;
    while (next < chunkCount && stepsThisRun < chunksPerRun) {
      stepsThisRun++;
      const running: Promise<void> = step(next++).then(() => {
        inFlight.delete(running);
      });
      inFlight.add(running);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    return next;
  };
  const continueIfLong = async (phase: 'checking' | 'posting', nextChunk: number): Promise<void> => {
    if (nextChunk >= chunkCount) return;
    await continueAsNew<typeof SettlementWorkflow>({ ...input, resume: { ...resume!, phase, nextChunk, accepted: progress.accepted, rejected: progress.rejected } });
  };

  if (resume.phase === 'checking') {
    enter('checking');
    progress.chunksChecked = resume.nextChunk;
    const next = await runChunks(resume.nextChunk, async (chunkIndex) => {
      const summary = await chunkActivities.checkSettlementChunk({ batchKey, merchantId: input.merchantId, chunkIndex });
      progress.chunksChecked++;
      progress.accepted += summary.accepted;
      progress.rejected += summary.rejected;
    });
    await continueIfLong('checking', next);
    resume = { ...resume, phase: 'posting', nextChunk: 0 };
  } else {
    progress.chunksChecked = chunkCount;
  }

  enter('posting');
  progress.chunksPosted = resume.nextChunk;
  const next = await runChunks(resume.nextChunk, async (chunkIndex) => {
    await chunkActivities.postSettlementChunk({ batchKey, merchantId: input.merchantId, chunkIndex });
    progress.chunksPosted++;
  });
  await continueIfLong('posting', next);

  const result = await chunkActivities.summarizeSettlement({ batchKey, merchantId: input.merchantId });
  progress.accepted = result.accepted;
  progress.rejected = result.rejected;
  enter('settled');
  return result;
}

// The client side declares this signature without importing this module (settlement-client.ts);
// this line fails to compile the day the two drift apart.
export const settlementWorkflowSignature: SettlementWorkflowType = SettlementWorkflow;
