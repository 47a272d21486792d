import { isGrpcServiceError, ServiceError, type Client } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Knex } from 'knex';
import {
  DEFAULT_SERVER_TASK_QUEUE,
  DownloadClient,
  DownloadClientError,
  customerOverview,
  decidedRecords,
  flaggedCards,
  listStuckSettlements,
  readersOf,
  retrySettlementNow,
  SettlementError,
  settlementOutcome,
  settlementWait,
  settlementProgress,
  uploadSettlementFile,
  type CodeAnswer,
  type DownloadTiming,
} from '../../workflows/client';
import { getAccountBalance, lookupTransfers } from '../../ledger/queries';
import { PortalError } from '../errors';
import { formatMinor } from '../money';
import {
  WorkflowRefusal,
  type AccountBalance,
  type AttentionItem,
  type CardSummary,
  type DownloadView,
  type LedgerPort,
  type OperatorAction,
  type ReaderSummary,
  type SettlementRecordView,
  type SettlementView,
  type StartDownload,
  type StartSettlement,
  type WorkflowsPort,
} from '../ports';
import { downloadViewOf, evidenceOf, startingView, type DownloadOwner } from './download-view';
import { cardLogEvidenceOf, type LogRecordDecoder } from './card-log-view';
import { decidedRecordView, finishedSettlementView, runningSettlementView, type SettlementOwner } from './settlement-view';

/**
 * The portal's ports bound to the real parts: downloads and operator actions through
 * workflows/client's DownloadClient; who owns which download from the portal's own table.
 *
 * Settlements go through the upload store and SettlementWorkflow (the uploaded stream is written
 * to a file in `uploadDir`, never held in memory); their records (accepted and refused) and the
 * cards they flagged are read from the workflows' tables in the same database. A customer's cards,
 * accounts and readers come from the registry (workflows/client's customerOverview, readersOf),
 * the balances of those accounts from ledger/queries.
 */
export interface TemporalPartsOptions {
  readonly client: Client;
  /** The portal's database (portal_downloads). */
  readonly db: Knex;
  readonly taskQueue?: string;
  /** The upload store shared with the server worker (PURSEFLOW_UPLOAD_DIR). */
  readonly uploadDir: string;
  /** A settlement still running after this long is listed for operators (default SETTLEMENT_STUCK_AFTER_MS, 15 min). */
  readonly settlementStuckAfterMs?: number;
  /**
   * Time-outs handed to every download the portal starts (reminder, operator flag…); the
   * workflow's DEFAULT_TIMING otherwise. Tests shorten them to make a download wait past its time.
   */
  readonly downloadTiming?: Partial<DownloadTiming>;
  /** card-driver's decodeLogRecord, for the card log a stuck download read (the portal may not import card-driver). */
  readonly decodeLogRecord: LogRecordDecoder;
}

/**
 * What a card's purse can ever hold: the card's 4-byte balance field. The registry does not know a
 * card's own MAXBAL (only the card does, and it refuses a load over it with `over_purse_limit`),
 * so the portal's early check can only use this ceiling.
 */
const CARD_BALANCE_CEILING_MINOR = 0xffff_ffffn;

interface DownloadRow {
  download_id: string;
  request_id: string;
  customer_id: string;
  csn: string;
  purse: 'ecash' | 'food';
  amount_minor: string;
  mode: 'connected' | 'offline';
  started_at: Date;
}

/**
 * The workflows' tables are migrated by the server worker; a portal started before any worker ran
 * finds them missing (PostgreSQL 42P01), which is not the person's fault and changes nothing.
 */
async function tables<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if ((err as { code?: unknown } | null)?.code === '42P01') {
      throw new PortalError('workflows_unavailable', 'The workflows have not set up their tables in this database yet; start the server worker (purseflow worker) once, then reload.', { cause: err });
    }
    throw err;
  }
}

/** Temporal not answering becomes the port's `workflows_unavailable`; anything else passes. */
async function reach<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof ServiceError || isGrpcServiceError(err)) {
      throw new PortalError('workflows_unavailable', 'The portal cannot reach the workflow service right now; nothing was changed. Try again in a minute.', { cause: err });
    }
    throw err;
  }
}

/** A query is answered by the server worker; without one it would wait, so a page waits at most this long. */
const QUERY_DEADLINE_MS = 3_000;
/** An update waits for the worker to run its validator and handler. */
const UPDATE_DEADLINE_MS = 15_000;

export class TemporalParts implements WorkflowsPort, LedgerPort {
  private readonly downloads: DownloadClient;

  private within<T>(ms: number, work: () => Promise<T>): Promise<T> {
    return reach(this.options.client.withDeadline(Date.now() + ms, work));
  }

  constructor(private readonly options: TemporalPartsOptions) {
    this.downloads = new DownloadClient(options.client, options.taskQueue);
  }

  async checkReachable(): Promise<void> {
    await this.options.client.connection.workflowService.getSystemInfo({});
  }

  /** A customer the registry does not know (yet) has no accounts: the page shows none rather than failing. */
  async balancesOf(customerId: string): Promise<readonly AccountBalance[]> {
    const overview = await tables(customerOverview(this.options.db, customerId));
    if (!overview) return [];
    return Promise.all(
      overview.accounts.map(async (account) => {
        const balance = await getAccountBalance(this.options.db, account.accountId);
        // Reserved = what downloads in progress hold: outgoing pending, which is what available leaves out.
        return { purse: account.purse, currency: account.currency, availableMinor: balance.available, reservedMinor: balance.posted - balance.available };
      }),
    );
  }

  async cardsOf(customerId: string): Promise<readonly CardSummary[]> {
    const overview = await tables(customerOverview(this.options.db, customerId));
    return (overview?.cards ?? []).map((card) => ({
      csn: card.csn,
      maxBalanceMinor: CARD_BALANCE_CEILING_MINOR,
      blocked: card.blocked,
      purses: card.purses.map((p) => ({ purse: p.purse, lastKnownMinor: p.lastKnownMinor })),
    }));
  }

  async onlineReadersOf(customerId: string): Promise<readonly ReaderSummary[]> {
    const readers = await tables(readersOf(this.options.db, customerId));
    const online = await Promise.all(readers.map(async (r) => ((await reach(this.downloads.readerOnline(r.readerId))) ? { readerId: r.readerId, label: `Reader ${r.readerId}` } : null)));
    return online.filter((r): r is ReaderSummary => r !== null);
  }

  async startDownload(request: StartDownload): Promise<DownloadView> {
    let started;
    try {
      started = await reach(this.downloads.start({
        requestId: request.requestId,
        csn: request.csn,
        purse: request.purse,
        amount: formatMinor(request.amountMinor),
        mode: request.mode,
        readerId: request.readerId ?? undefined,
        // The workflow itself refuses a card of anyone else (card_not_yours), whatever the page checked.
        customerId: request.customerId,
        ...(this.options.downloadTiming ? { timing: this.options.downloadTiming } : {}),
        }),
      );
    } catch (err) {
      if (err instanceof DownloadClientError) throw new PortalError('input_invalid', err.message, { cause: err });
      throw err;
    }
    await this.options
      .db('portal_downloads')
      .insert({
        download_id: started.workflowId,
        request_id: request.requestId,
        customer_id: request.customerId,
        csn: request.csn,
        purse: request.purse,
        amount_minor: request.amountMinor.toString(),
        mode: request.mode,
      })
      .onConflict('download_id')
      .ignore();
    const owner = await this.owner(started.workflowId);
    if (!owner) throw new Error(`portal invariant broken: download ${started.workflowId} was recorded but cannot be read back`);
    return startingView(owner, request);
  }

  private async row(downloadId: string): Promise<DownloadRow | undefined> {
    return (await this.options.db('portal_downloads').where({ download_id: downloadId }).first()) as DownloadRow | undefined;
  }

  private async owner(downloadId: string): Promise<DownloadOwner | null> {
    const row = await this.row(downloadId);
    return row ? { downloadId: row.download_id, customerId: row.customer_id, startedAt: row.started_at } : null;
  }

  async download(downloadId: string): Promise<DownloadView | null> {
    const row = await this.row(downloadId);
    if (!row) return null;
    const owner = { downloadId: row.download_id, customerId: row.customer_id, startedAt: row.started_at };
    return downloadViewOf(owner, await this.within(QUERY_DEADLINE_MS, () => this.downloads.state(row.request_id)));
  }

  async downloadsOf(customerId: string): Promise<readonly DownloadView[]> {
    const rows = (await this.options.db('portal_downloads').where({ customer_id: customerId }).orderBy('started_at', 'desc').limit(50)) as DownloadRow[];
    return Promise.all(rows.map(async (row) => (await this.download(row.download_id)) as DownloadView));
  }

  private async afterCode(downloadId: string, answer: CodeAnswer): Promise<DownloadView> {
    if (!answer.accepted) {
      const counted = answer.wrongCodes >= 0 ? ` Wrong codes so far: ${answer.wrongCodes} of 5.` : '';
      throw new WorkflowRefusal(answer.refusal ?? 'refused', `${answer.message ?? 'The code was refused.'}${counted}`);
    }
    const view = await this.download(downloadId);
    if (!view) throw new Error(`portal invariant broken: download ${downloadId} vanished after a code`);
    return view;
  }

  private async requestIdOf(downloadId: string): Promise<string> {
    const row = await this.row(downloadId);
    if (!row) throw new PortalError('not_found', 'There is no such download.');
    return row.request_id;
  }

  async submitRequestCode(downloadId: string, code: string, updateId: string): Promise<DownloadView> {
    const requestId = await this.requestIdOf(downloadId);
    return this.afterCode(downloadId, await this.within(UPDATE_DEADLINE_MS, () => this.downloads.submitRequestCode(requestId, code, updateId)));
  }

  async submitConfirmationCode(downloadId: string, code: string, updateId: string): Promise<DownloadView> {
    const requestId = await this.requestIdOf(downloadId);
    return this.afterCode(downloadId, await this.within(UPDATE_DEADLINE_MS, () => this.downloads.submitConfirmationCode(requestId, code, updateId)));
  }

  async reportNotLoaded(downloadId: string, code: string, updateId: string): Promise<DownloadView> {
    const requestId = await this.requestIdOf(downloadId);
    return this.afterCode(downloadId, await this.within(UPDATE_DEADLINE_MS, () => this.downloads.reportNotLoaded(requestId, code, updateId)));
  }

  async startSettlement(request: StartSettlement): Promise<SettlementView> {
    await mkdir(this.options.uploadDir, { recursive: true });
    const incoming = join(this.options.uploadDir, `.portal-${randomBytes(8).toString('hex')}.estb`);
    let started;
    try {
      // The gate in front of `content` refuses a bad file while it streams; nothing is started then.
      await pipeline(request.content, createWriteStream(incoming, { flags: 'wx' }));
      started = await reach(
        uploadSettlementFile(this.options.client, {
          merchantId: request.merchantId,
          file: incoming,
          uploadDir: this.options.uploadDir,
          taskQueue: this.options.taskQueue ?? DEFAULT_SERVER_TASK_QUEUE,
        }),
      );
    } catch (err) {
      // The settlement client refuses with typed SettlementErrors whose messages say what to do.
      if (err instanceof Error && err.name === 'SettlementError') {
        const code = (err as Error & { code?: string }).code;
        throw new PortalError(code === 'not_an_estb_file' ? 'upload_not_estb' : 'action_refused', err.message, { field: 'file', cause: err });
      }
      throw err;
    } finally {
      await rm(incoming, { force: true });
    }
    await this.options.db('portal_settlements').insert({ settlement_id: started.workflowId, merchant_id: request.merchantId, file_name: request.fileName }).onConflict('settlement_id').ignore();
    const owner = await this.settlementOwner(started.workflowId);
    if (!owner || owner.merchantId !== request.merchantId) {
      throw new PortalError('action_refused', 'This Transfer card batch was uploaded by another merchant; check that the file is yours.', { field: 'file' });
    }
    // Right after the upload the page only needs "running" or the first result (a re-upload).
    return this.settlementView(owner, false);
  }

  private async settlementOwner(settlementId: string): Promise<SettlementOwner | null> {
    const row = (await this.options.db('portal_settlements').where({ settlement_id: settlementId }).first()) as
      | { settlement_id: string; merchant_id: string; file_name: string; started_at: Date }
      | undefined;
    return row ? { settlementId: row.settlement_id, merchantId: row.merchant_id, fileName: row.file_name, startedAt: row.started_at } : null;
  }

  async settlement(settlementId: string): Promise<SettlementView | null> {
    const owner = await this.settlementOwner(settlementId);
    return owner ? this.settlementView(owner, true) : null;
  }

  private async settlementView(owner: SettlementOwner, withProgress: boolean): Promise<SettlementView> {
    const handle = this.options.client.workflow.getHandle(owner.settlementId);
    const description = await reach(handle.describe());
    if (description.status.name === 'RUNNING') {
      // The progress query needs the server worker; without it the page still shows "running".
      const progress = withProgress ? await this.within(QUERY_DEADLINE_MS, () => settlementProgress(handle)).catch(() => null) : null;
      return runningSettlementView(owner, progress);
    }
    return finishedSettlementView(owner, await reach(settlementOutcome(handle)));
  }

  async settlementRecords(settlementId: string, filter: { verdict?: 'accepted' | 'refused'; offset: number; limit: number }): Promise<readonly SettlementRecordView[]> {
    const view = await this.settlement(settlementId);
    if (!view || view.state !== 'settled') return [];
    const batchKey = settlementId.replace(/^settlement-/, '');
    const verdict = filter.verdict === undefined ? undefined : filter.verdict === 'accepted' ? 'accepted' : 'rejected';
    const rows = await tables(decidedRecords(this.options.db, batchKey, { verdict, offset: filter.offset, limit: filter.limit }));
    return rows.map(decidedRecordView);
  }

  async settlementsOf(merchantId: string): Promise<readonly SettlementView[]> {
    const rows = (await this.options.db('portal_settlements').where({ merchant_id: merchantId }).orderBy('started_at', 'desc').limit(50)) as { settlement_id: string }[];
    const views = await Promise.all(rows.map((r) => this.settlement(r.settlement_id)));
    return views.filter((v): v is SettlementView => v !== null);
  }

  async needsAttention(): Promise<readonly AttentionItem[]> {
    const [stuck, settlements, flagged] = await Promise.all([
      reach(this.downloads.listStuck({ limit: 200 })),
      reach(listStuckSettlements(this.options.client, { runningLongerThanMs: this.options.settlementStuckAfterMs, limit: 100 })),
      tables(flaggedCards(this.options.db, { limit: 100 })),
    ]);
    const settlementItems: AttentionItem[] = settlements.map((s) => ({
      workflowId: s.workflowId,
      kind: 'settlement_stuck',
      summary: `settlement ${s.workflowId.replace(/^settlement-/, '')} still ${s.phase.replace(/_/g, ' ')}`,
      since: s.startTime,
      evidence: [s.merchantId ? `merchant ${s.merchantId}` : null, 'open it for the steps it waits on'].filter((e): e is string => e !== null),
      actions: ['retry'],
    }));
    // A flagged card is a matter for a person (block it, ask the customer): no workflow action.
    const flaggedItems: AttentionItem[] = flagged.map((f) => ({
      // The settlement that flagged it last: its workflow and verdicts are the evidence.
      workflowId: `settlement-${f.batchKeys[f.batchKeys.length - 1]}`,
      kind: 'card_flagged',
      summary: `card ${f.csn} spent more than was loaded onto its ${f.purse === 2 ? 'Food Voucher' : 'e-Cash'} purse`,
      since: f.firstFlaggedAt,
      evidence: [
        `${f.records} purchase${f.records === 1 ? '' : 's'} held back, ${formatMinor(BigInt(f.heldBackMinor))} in all`,
        `from settlement${f.batchKeys.length === 1 ? '' : 's'} ${f.batchKeys.join(', ')}`,
        'a cloned or tampered card? block it with purseflow cards block',
      ],
      actions: [],
    }));
    const downloadItems = stuck.map((s): AttentionItem => ({
      workflowId: s.workflowId,
      kind: s.phase === 'locked' ? 'code_entry_locked' : 'download_stuck',
      summary: `${s.amountMinor !== undefined ? formatMinor(BigInt(s.amountMinor)) : '?'} to card ${s.csn ?? '?'} (${s.phase.replace(/_/g, ' ')})`,
      since: s.startTime,
      evidence: [s.customerId ? `customer ${s.customerId}` : null, s.readerId ? `reader ${s.readerId}` : null].filter((e): e is string => e !== null),
      actions: s.phase === 'locked' ? ['unlock', 'resolve', 'void'] : ['retry', 'resolve', 'void'],
    }));
    return [...downloadItems, ...settlementItems, ...flaggedItems];
  }

  /**
   * The list above comes from visibility alone, so it stays fast however many items wait (a
   * workflow whose worker is gone would hold a query for its whole deadline). An item opened on
   * its own gets what its workflow adds.
   */
  async attentionDetail(item: AttentionItem): Promise<AttentionItem> {
    if (item.kind === 'download_stuck' || item.kind === 'code_entry_locked') return { ...item, ...(await this.downloadEvidence(item.workflowId, item.evidence)) };
    if (item.kind === 'settlement_stuck') return { ...item, evidence: [...item.evidence.filter((e) => !e.startsWith('open it')), ...(await this.settlementEvidence(item.workflowId))] };
    return item;
  }

  /**
   * A settlement waiting past its time with its evidence: the steps it waits on (attempts, last
   * failure, next automatic attempt) and whether a server worker polls its task queue. Its one
   * action is "retry now" (workflows/client retrySettlementNow).
   */
  private async settlementEvidence(workflowId: string): Promise<string[]> {
    const at = (d: Date) => `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
    const wait = await this.within(QUERY_DEADLINE_MS, () => settlementWait(this.options.client, workflowId)).catch(() => null);
    if (!wait) return ['Temporal did not describe the workflow in time; look at it in the Web UI'];
    const evidence = [wait.workerPolling ? `a server worker polls ${wait.taskQueue}` : `no server worker polls ${wait.taskQueue}: start one (purseflow worker)`];
    if (wait.pending.length === 0) evidence.push(wait.workerPolling ? 'waits on no step right now' : 'no step is scheduled: the workflow itself waits for a worker to take its next task');
    for (const p of wait.pending) {
      evidence.push(`step ${p.activity}: ${p.state}, attempt ${p.attempt}${p.lastFailure ? `, last failure: ${p.lastFailure}` : ''}${p.nextAttemptAt ? `, next attempt by itself at ${at(p.nextAttemptAt)}` : ''}`);
    }
    return evidence;
  }

  /**
   * A stuck download with its evidence: what visibility knows, and what the workflow's state adds
   * (why it waits, the card's ATC, codes counted, the pending transfer holding the money, its last
   * steps), and the card's log as read when that log could not prove the load (`logEvidence`,
   * each record decoded beside its hex). The codes themselves are never shown: the state's
   * authorization code is not passed on, and log records hold none.
   */
  private async downloadEvidence(workflowId: string, listed: readonly string[]): Promise<Pick<AttentionItem, 'evidence' | 'cardLog'>> {
    const state = await this.within(QUERY_DEADLINE_MS, () => this.downloads.state(workflowId.replace(/^download-/, ''))).catch(() => null);
    if (!state) return { evidence: [...listed, 'the workflow did not answer its state query (is the server worker running?)'] };
    const reservation = state.reservationId ? (await lookupTransfers(this.options.db, [state.reservationId]))[0] : undefined;
    const evidence = [
      ...listed,
      state.operatorReason ? `why it waits: ${state.operatorReason}` : null,
      state.atc !== undefined ? `card ATC of this load: ${state.atc}` : null,
      reservation ? `pending transfer ${reservation.id} holds ${formatMinor(reservation.amount)} (reserved ${reservation.timestamp.toISOString().slice(0, 19).replace('T', ' ')} UTC)` : null,
      state.mode === 'offline' ? `codes refused so far: ${state.wrongCodes} of 5; reminders shown: ${state.reminders}` : null,
      ...state.history.slice(-3).map((e) => `${e.at.slice(0, 19).replace('T', ' ')} UTC ${e.phase.replace(/_/g, ' ')}: ${e.note}`),
    ].filter((e): e is string => e !== null);
    return state.logEvidence ? { evidence, cardLog: cardLogEvidenceOf(state.logEvidence, this.options.decodeLogRecord) } : { evidence };
  }

  async operatorAction(workflowId: string, action: OperatorAction, evidence: string, operator: string, updateId: string): Promise<string> {
    if (workflowId.startsWith('settlement-')) {
      if (action !== 'retry') throw new WorkflowRefusal('action_refused', 'A settlement can only be retried; its records are decided by the workflow.');
      try {
        const steps = await reach(retrySettlementNow(this.options.client, workflowId, operator));
        return `${workflowId}: ${steps.join(', ')} tried again now`;
      } catch (err) {
        if (err instanceof SettlementError) throw new WorkflowRefusal(err.code, err.message);
        throw err;
      }
    }
    const requestId = workflowId.replace(/^download-/, '');
    try {
      if (action === 'retry' || action === 'unlock') {
        await reach(this.downloads.retryNow(requestId, operator));
        return `${action} sent to ${workflowId}`;
      }
      const state =
        action === 'resolve'
          ? await this.within(UPDATE_DEADLINE_MS, () => this.downloads.resolveWithEvidence(requestId, operator, evidenceOf(evidence, operator), updateId))
          : await this.within(UPDATE_DEADLINE_MS, () => this.downloads.voidWithEvidence(requestId, operator, evidenceOf(evidence, operator), updateId));
      return `${workflowId} is now ${state.phase.replace(/_/g, ' ')}`;
    } catch (err) {
      if (err instanceof DownloadClientError) throw new WorkflowRefusal(err.code, err.message);
      throw err;
    }
  }
}
