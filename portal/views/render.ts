import { Eta } from 'eta';
import type { DownloadPresentation } from '../download-presenter';
import type { Role } from '../users/user';

/**
 * Typed views: every template has a model type here, so a route cannot render a page with data
 * missing. Templates escape every `<%= %>` (eta's default); the one raw output is the layout's
 * body, which is the already-escaped page.
 */

export interface FormError {
  readonly code: string;
  readonly message: string;
  readonly field: string | null;
}

export interface LayoutModel {
  readonly title: string;
  readonly user: { readonly email: string; readonly role: Role } | null;
  readonly csrfToken: string;
  readonly notice?: string | null;
}

export interface BalanceRow {
  readonly purseLabel: string;
  readonly currency: string;
  readonly available: string;
  readonly reserved: string;
}

export interface CardRow {
  readonly csn: string;
  readonly csnDisplay: string;
  readonly blocked: boolean;
  readonly maxBalance: string;
  readonly purses: readonly { readonly label: string; readonly lastKnown: string }[];
}

export interface DownloadForm {
  readonly csn: string;
  readonly purse: string;
  readonly amount: string;
  readonly mode: string;
  readonly readerId: string;
  readonly requestId: string;
}

export interface SettlementRow {
  readonly settlementId: string;
  readonly fileName: string;
  readonly state: string;
  readonly recordCount: number;
  readonly acceptedCount: number;
  readonly refusedCount: number;
  readonly startedAt: string;
  readonly reason: string | null;
  readonly totals: readonly { readonly purseLabel: string; readonly accepted: string }[];
}

export interface RecordRow {
  readonly index: number;
  readonly csnDisplay: string;
  readonly purseLabel: string;
  readonly amount: string;
  readonly verdict: string;
  readonly reason: string;
}

export interface AttentionRow {
  readonly workflowId: string;
  readonly kindLabel: string;
  readonly summary: string;
  readonly since: string;
  readonly evidence: readonly string[];
  readonly actions: readonly { readonly value: string; readonly label: string }[];
  readonly temporalLink: string;
  /** A download's card log as its workflow read it; null when the workflow holds none. */
  readonly cardLog: CardLogTable | null;
}

export interface CardLogTable {
  readonly readerId: string;
  readonly readAt: string;
  readonly atcCard: number;
  readonly reason: string;
  readonly records: readonly CardLogRow[];
}

export interface CardLogRow {
  /** '?' and empty cells when the bytes are not a log record; the hex is shown either way. */
  readonly atc: string;
  readonly kind: string;
  readonly purseLabel: string;
  readonly amount: string;
  readonly balanceAfter: string;
  readonly hex: string;
}

export interface AuditRow {
  readonly at: string;
  readonly operator: string;
  readonly action: string;
  readonly evidence: string;
  readonly outcome: string;
}

export interface ViewModels {
  'sign-in': { readonly email: string; readonly error: FormError | null; readonly next: string | null };
  customer: {
    readonly balances: readonly BalanceRow[];
    readonly cards: readonly CardRow[];
    readonly readers: readonly { readonly readerId: string; readonly label: string }[];
    readonly form: DownloadForm;
    readonly error: FormError | null;
  };
  download: {
    readonly download: DownloadPresentation;
    readonly prompt: 'request' | 'confirmation' | null;
    readonly error: FormError | null;
    readonly formNonce: string;
  };
  history: { readonly downloads: readonly DownloadPresentation[] };
  merchant: {
    readonly settlements: readonly SettlementRow[];
    readonly maxMegabytes: string;
    readonly maxRecords: number;
    readonly error: FormError | null;
  };
  settlement: {
    readonly settlement: SettlementRow;
    readonly records: readonly RecordRow[];
    readonly verdict: string;
    readonly offset: number;
    readonly limit: number;
    readonly hasMore: boolean;
    readonly recordsError: string | null;
    readonly live: boolean;
  };
  operator: { readonly items: readonly AttentionRow[]; readonly temporalUiUrl: string; readonly error: FormError | null };
  'operator-item': {
    readonly workflowId: string;
    readonly temporalLink: string;
    /** null once it no longer needs attention. */
    readonly item: AttentionRow | null;
    readonly audit: readonly AuditRow[];
    readonly error: FormError | null;
  };
  error: { readonly status: number; readonly message: string };
}

export type ViewName = keyof ViewModels;

export interface Views {
  render<V extends ViewName>(view: V, model: ViewModels[V] & LayoutModel): string;
}

export function createViews(directory: string, cache: boolean): Views {
  const eta = new Eta({ views: directory, cache, autoEscape: true, autoTrim: false });
  return {
    render(view, model) {
      return eta.render(`./${view}`, model);
    },
  };
}

