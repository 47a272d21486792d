import type { Knex } from 'knex';
import type { DownloadWatchHub } from './live/download-watch';
import type { PortalMetrics } from './metrics';
import type { LedgerPort, WorkflowsPort } from './ports';
import type { Views } from './views/render';

/** Limits stated on the pages and enforced by the server. */
export interface PortalLimits {
  /** Sign-in attempts per client address per minute. */
  readonly signInPerMinute: number;
  /** Code submissions per signed-in user per minute. */
  readonly codeEntryPerMinute: number;
  readonly uploadMaxBytes: number;
  readonly uploadMaxRecords: number;
  /** Largest JSON or form body. */
  readonly bodyLimitBytes: number;
  /** Records per page of a settlement. */
  readonly recordsPageSize: number;
}

export const DEFAULT_LIMITS: PortalLimits = {
  signInPerMinute: 10,
  codeEntryPerMinute: 20,
  // 100,000 records of 48 bytes plus header and trailer: the benchmark's file fits.
  uploadMaxBytes: 8 * 1024 * 1024,
  uploadMaxRecords: 150_000,
  bodyLimitBytes: 16 * 1024,
  recordsPageSize: 50,
};

/** Everything a handler needs, built once by buildPortal. */
export interface PortalContext {
  readonly db: Knex;
  readonly workflows: WorkflowsPort;
  readonly ledger: LedgerPort;
  readonly views: Views;
  readonly downloads: DownloadWatchHub;
  readonly limits: PortalLimits;
  readonly temporalUiUrl: string;
  readonly temporalNamespace: string;
  readonly metrics: PortalMetrics;
}
