// Counts downloads and settlements where their outcome is decided: at the activities that start,
// post, void or refuse them, seen through an activity interceptor so that workflow and activity
// code stay free of metrics. Workflows are replayed and cannot count; activities run once per
// attempt, so "started" counts first attempts only.
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Logger } from 'pino';
import { NO_REASON, type Outcome, type WorkerMetrics } from './worker-metrics';

type Flow = 'download' | 'settlement';

interface Milestone {
  readonly flow: Flow;
  /** Counted before the first attempt runs. */
  readonly startsFlow?: boolean;
  /** The outcome its success means, if any, with the reason label. */
  readonly onSuccess?: (result: unknown) => { outcome: Outcome; reason: string } | undefined;
}

const completed = { outcome: 'completed', reason: NO_REASON } as const;

/** The activities whose runs mark a download's or a settlement's progress. */
const MILESTONES: Readonly<Record<string, Milestone>> = {
  checkCardForDownload: { flow: 'download', startsFlow: true },
  verifyMac1: { flow: 'download' },
  reserveLoad: { flow: 'download' },
  postLoad: { flow: 'download', onSuccess: () => completed },
  // A void is only ever made with proof that the card was not credited: the download failed.
  voidLoad: { flow: 'download', onSuccess: () => ({ outcome: 'failed', reason: 'voided' }) },
  verifySettlementFile: {
    flow: 'settlement',
    startsFlow: true,
    onSuccess: (result) => {
      const verdict = result as { accepted?: boolean; reason?: string } | undefined;
      return verdict?.accepted === false ? { outcome: 'failed', reason: verdict.reason ?? 'file_rejected' } : undefined;
    },
  },
  checkSettlementChunk: { flow: 'settlement' },
  postSettlementChunk: { flow: 'settlement' },
  summarizeSettlement: { flow: 'settlement', onSuccess: () => completed },
};

/** A refusal ends the flow; a retryable error is only an attempt and is not an outcome. */
function refusalReason(err: unknown): string | undefined {
  return err instanceof ApplicationFailure && err.nonRetryable ? (err.type ?? 'refused') : undefined;
}

/** The ids a log line about this activity should carry: card serial and transfer ids when it has them. */
function logFields(args: readonly unknown[], result?: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  const input = args[0] as { csn?: unknown; merchantId?: unknown; batchKey?: unknown } | undefined;
  if (typeof input?.csn === 'string') fields.csn = input.csn;
  if (typeof input?.merchantId === 'string') fields.merchantId = input.merchantId;
  if (typeof input?.batchKey === 'string') fields.batchKey = input.batchKey;
  const output = result as { reservationId?: unknown; transferId?: unknown } | undefined;
  if (typeof output?.reservationId === 'string') fields.transferId = output.reservationId;
  if (typeof output?.transferId === 'string') fields.transferId = output.transferId;
  return fields;
}

/**
 * `interceptors.activity` of the server worker: counts purseflow_downloads_total and
 * purseflow_settlements_total, and logs each outcome with its workflow id, card serial and
 * transfer id.
 */
export function outcomeInterceptors(metrics: WorkerMetrics, log?: Logger): ActivityInterceptorsFactory {
  return (ctx) => {
    const milestone = MILESTONES[ctx.info.activityType];
    if (!milestone) return {};
    const counter = milestone.flow === 'download' ? metrics.downloads : metrics.settlements;
    const context = { workflowId: ctx.info.workflowExecution?.workflowId, activity: ctx.info.activityType };
    const count = (outcome: Outcome, reason: string, fields: Record<string, string>): void => {
      counter.inc({ outcome, reason });
      log?.info({ ...context, ...fields, flow: milestone.flow, outcome, reason }, `${milestone.flow} ${outcome}${reason === NO_REASON ? '' : ` (${reason})`}`);
    };
    const inbound: ActivityInboundCallsInterceptor = {
      async execute(input, next) {
        if (milestone.startsFlow && ctx.info.attempt === 1) count('started', NO_REASON, logFields(input.args));
        let result: unknown;
        try {
          result = await next(input);
        } catch (err) {
          const reason = refusalReason(err);
          if (reason) count('failed', reason, logFields(input.args));
          throw err;
        }
        const decided = milestone.onSuccess?.(result);
        if (decided) count(decided.outcome, decided.reason, logFields(input.args, result));
        return result;
      },
    };
    return { inbound };
  };
}
