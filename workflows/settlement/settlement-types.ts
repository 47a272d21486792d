/**
 * What crosses Temporal for a settlement: the workflow's input, the activities' small summaries,
 * the progress the portal polls and the typed result. No record lists (they stay in PostgreSQL),
 * no bigint (amounts in minor units travel as decimal strings).
 */
import { defineQuery } from '@temporalio/workflow';
import type { FileRejectionReason, RecordRejectionReason } from './rejection-reasons';
import type { RejectedRecord } from './settlement-store';

/** A file in the upload store: content-addressed, never rewritten once stored. */
export interface StoredUpload {
  readonly path: string;
  /** Lower-case hex SHA-256 of the file as uploaded. */
  readonly sha256: string;
}

export interface SettlementInput {
  readonly merchantId: string;
  /** From the file's header, read by the client to name the workflow. */
  readonly transferCardId: string;
  readonly batchSeq: number;
  readonly upload: StoredUpload;
  /** Records per chunk activity; fixed for the batch at its first registration. */
  readonly chunkRecords?: number;
  /** Chunk activities per run before continue-as-new keeps the history small. */
  readonly chunksPerRun?: number;
  /** Chunk activities in flight at once (default DEFAULT_CHUNK_CONCURRENCY). */
  readonly chunkConcurrency?: number;
  /** Set by continue-as-new only. */
  readonly resume?: SettlementResume;
}

export interface SettlementResume {
  readonly batchKey: string;
  readonly recordCount: number;
  readonly chunkRecords: number;
  readonly phase: 'checking' | 'posting';
  readonly nextChunk: number;
  /** Records decided by earlier runs, so progress does not restart at zero. */
  readonly accepted: number;
  readonly rejected: number;
}

export type FileVerification =
  | { readonly accepted: true; readonly batchKey: string; readonly recordCount: number; readonly chunkRecords: number }
  | { readonly accepted: false; readonly reason: FileRejectionReason; readonly message: string };

export interface ChunkRef {
  readonly batchKey: string;
  readonly merchantId: string;
  readonly chunkIndex: number;
}

export interface ChunkSummary {
  readonly chunkIndex: number;
  readonly records: number;
  readonly accepted: number;
  readonly rejected: number;
}

export interface PurseAmounts {
  /** Minor units, decimal string. */
  readonly ecash: string;
  readonly food: string;
}

export type SettlementPhase = 'verifying' | 'checking' | 'posting' | 'settled' | 'file_rejected';

export interface SettlementProgress {
  readonly phase: SettlementPhase;
  readonly records: number;
  readonly chunkCount: number;
  readonly chunksChecked: number;
  readonly chunksPosted: number;
  readonly accepted: number;
  readonly rejected: number;
}

/** At most this many rejected records travel in the result; the rest are listed from the database. */
export const RESULT_REJECTIONS_LIMIT = 100;

export interface SettledBatch {
  readonly outcome: 'settled';
  readonly batchKey: string;
  readonly merchantId: string;
  readonly records: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly rejectedByReason: Partial<Record<RecordRejectionReason, number>>;
  readonly settledMinor: PurseAmounts;
  /** The first rejected records in file order (RESULT_REJECTIONS_LIMIT at most). */
  readonly rejections: readonly RejectedRecord[];
  readonly moreRejections: boolean;
}

export interface RejectedFile {
  readonly outcome: 'file_rejected';
  readonly batchKey: string;
  readonly merchantId: string;
  readonly reason: FileRejectionReason;
  readonly message: string;
}

export type SettlementResult = SettledBatch | RejectedFile;

/** The ApplicationFailure type a whole-file rejection ends the workflow with (its details hold the RejectedFile). */
export const FILE_REJECTED_FAILURE = 'SettlementFileRejected';

/** The portal's and the CLI's view of a running settlement. */
export const settlementProgressQuery = defineQuery<SettlementProgress>('settlementProgress');
