/**
 * A settlement batch is named by its Transfer card and batch sequence (spec 4.5): the pair is
 * unique per exported file, so uploading the same file twice names the same workflow.
 * Pure and free of Node APIs: workflow code imports it too.
 */
export interface BatchIdentity {
  /** 16 upper-case hex digits. */
  readonly transferCardId: string;
  readonly batchSeq: number;
}

export function batchKeyOf(batch: BatchIdentity): string {
  return `${batch.transferCardId}-${batch.batchSeq}`;
}

export function settlementWorkflowId(batch: BatchIdentity): string {
  return `settlement-${batchKeyOf(batch)}`;
}
