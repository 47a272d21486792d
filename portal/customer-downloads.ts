import { randomUUID } from 'node:crypto';
import type { PortalContext } from './context';
import { PortalError } from './errors';
import { formatMinor, parseDownloadAmount } from './money';
import { parseOfflineCode } from './offline-code';
import { WorkflowRefusal, type AccountBalance, type CardSummary, type DownloadMode, type DownloadView, type Purse, type ReaderSummary } from './ports';
import { notFound } from './session';

/**
 * What a customer can do: see balances and cards, start a download, give the Pocket's codes. These
 * handlers serve the JSON API and the pages alike. Every id that comes from a URL or a body is
 * checked against the signed-in customer; another customer's ids answer "not found".
 */
export interface CustomerRef {
  readonly customerId: string;
}

export interface CustomerOverview {
  readonly balances: readonly AccountBalance[];
  readonly cards: readonly CardSummary[];
  readonly readers: readonly ReaderSummary[];
}

export async function customerOverview(ctx: PortalContext, customer: CustomerRef): Promise<CustomerOverview> {
  const [balances, cards, readers] = await Promise.all([
    ctx.ledger.balancesOf(customer.customerId),
    ctx.workflows.cardsOf(customer.customerId),
    ctx.workflows.onlineReadersOf(customer.customerId),
  ]);
  return { balances, cards, readers };
}

/** The download form as typed (strings), before any check. */
export interface DownloadRequestInput {
  readonly csn?: unknown;
  readonly purse?: unknown;
  readonly amount?: unknown;
  readonly mode?: unknown;
  readonly readerId?: unknown;
  readonly requestId?: unknown;
}

const PURSES: readonly Purse[] = ['ecash', 'food'];
const MODES: readonly DownloadMode[] = ['connected', 'offline'];
const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export async function startCustomerDownload(ctx: PortalContext, customer: CustomerRef, input: DownloadRequestInput): Promise<DownloadView> {
  const purse = input.purse as Purse;
  if (!PURSES.includes(purse)) throw new PortalError('input_invalid', 'Choose the purse: e-Cash or Food Voucher.', { field: 'purse' });
  const mode = input.mode as DownloadMode;
  if (!MODES.includes(mode)) throw new PortalError('input_invalid', 'Choose how the card is reached: Card in a reader or eCom Pocket (offline).', { field: 'mode' });
  const amountMinor = parseDownloadAmount(input.amount);
  // A request id from the form makes a double click start one download; one is made when absent.
  const requestId = typeof input.requestId === 'string' && input.requestId !== '' ? input.requestId : randomUUID();
  if (!REQUEST_ID.test(requestId)) throw new PortalError('input_invalid', 'The form is damaged; reload the page and start again.', { field: 'requestId' });

  const overview = await customerOverview(ctx, customer);
  const card = overview.cards.find((c) => c.csn === input.csn);
  if (!card) throw new PortalError('not_found', 'Choose one of your cards.', { field: 'csn' });
  if (card.blocked) throw new PortalError('input_invalid', 'This card is blocked; choose another card or ask the operator why it was blocked.', { field: 'csn' });

  const lastKnown = card.purses.find((p) => p.purse === purse)?.lastKnownMinor ?? 0n;
  if (lastKnown + amountMinor > card.maxBalanceMinor) {
    const room = card.maxBalanceMinor > lastKnown ? card.maxBalanceMinor - lastKnown : 0n;
    throw new PortalError('amount_over_purse_limit', `The purse takes at most ${formatMinor(card.maxBalanceMinor)}; it can take ${formatMinor(room)} more. Type a smaller amount.`, { field: 'amount' });
  }
  const account = overview.balances.find((b) => b.purse === purse);
  if (!account || account.availableMinor < amountMinor) {
    const available = account ? formatMinor(account.availableMinor) : '0.00';
    throw new PortalError('amount_over_balance', `Only ${available} is available in the account; type a smaller amount or add money first.`, { field: 'amount' });
  }

  let readerId: string | null = null;
  if (mode === 'connected') {
    const reader = overview.readers.find((r) => r.readerId === input.readerId);
    if (!reader) throw new PortalError('reader_offline', 'That reader is not online; plug it in and start its reader agent, or choose eCom Pocket (offline).', { field: 'readerId' });
    readerId = reader.readerId;
  }
  return ctx.workflows.startDownload({ requestId, customerId: customer.customerId, csn: card.csn, purse, amountMinor, mode, readerId });
}

export async function customerDownload(ctx: PortalContext, customer: CustomerRef, downloadId: string): Promise<DownloadView> {
  const view = await ctx.workflows.download(downloadId);
  if (!view || view.customerId !== customer.customerId) throw notFound();
  return view;
}

export async function customerDownloads(ctx: PortalContext, customer: CustomerRef): Promise<readonly DownloadView[]> {
  const views = await ctx.workflows.downloadsOf(customer.customerId);
  return views.filter((v) => v.customerId === customer.customerId);
}

export type CodeSubmission = 'request' | 'confirmation' | 'not_loaded';

/**
 * Hands a typed code to the download's workflow update. Format and check digit are refused here
 * before Temporal is asked; the workflow's validator decides the rest and counts wrong codes.
 */
export async function submitDownloadCode(
  ctx: PortalContext,
  customer: CustomerRef,
  downloadId: string,
  submission: CodeSubmission,
  typed: unknown,
  updateId: unknown,
): Promise<DownloadView> {
  const view = await customerDownload(ctx, customer, downloadId);
  const code = parseOfflineCode(submission === 'confirmation' ? 'confirmation' : 'request', typed, 'code');
  const update = typeof updateId === 'string' && /^[A-Za-z0-9-]{1,80}$/.test(updateId) ? updateId : randomUUID();
  if (view.mode !== 'offline' || view.finished) {
    throw new PortalError('download_not_waiting', 'This download is not waiting for a code any more; the page shows where it stands.');
  }
  try {
    if (submission === 'request') return await ctx.workflows.submitRequestCode(downloadId, code, update);
    if (submission === 'confirmation') return await ctx.workflows.submitConfirmationCode(downloadId, code, update);
    return await ctx.workflows.reportNotLoaded(downloadId, code, update);
  } catch (err) {
    if (err instanceof WorkflowRefusal) throw new PortalError('code_refused', err.message, { field: 'code', cause: err });
    throw err;
  }
}
