import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { DownloadClient, DownloadClientError, type CodeAnswer } from '../../workflows/client';
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
  type WorkflowsPort,
} from '../ports';
import { downloadViewOf, evidenceOf, startingView, type DownloadOwner } from './download-view';

/**
 * The portal's ports bound to the real parts: downloads and operator actions through
 * workflows/client's DownloadClient; who owns which download from the portal's own table.
 *
 * Not bound yet, because workflows/client and ledger/queries do not offer them yet (each answers
 * with a clear `workflows_unavailable` error naming what is missing, never with made-up data):
 * a customer's cards and account balances, the readers of a customer, settlements (upload of a
 * stream, results, records), and stuck settlements / flagged cards. See portal/README.md.
 */
export interface TemporalPartsOptions {
  readonly client: Client;
  /** The portal's database (portal_downloads). */
  readonly db: Knex;
  readonly taskQueue?: string;
  /** Which reader ids belong to a customer, until the registry offers it through workflows/client. */
  readonly readersOf?: (customerId: string) => Promise<readonly ReaderSummary[]>;
}

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

function notProvided(what: string): PortalError {
  return new PortalError('workflows_unavailable', `This part of the portal is not connected yet (${what} is not offered by the workflows client); ask the operator.`);
}

export class TemporalParts implements WorkflowsPort, LedgerPort {
  private readonly downloads: DownloadClient;

  constructor(private readonly options: TemporalPartsOptions) {
    this.downloads = new DownloadClient(options.client, options.taskQueue);
  }

  async checkReachable(): Promise<void> {
    await this.options.client.connection.workflowService.getSystemInfo({});
  }

  async balancesOf(_customerId: string): Promise<readonly AccountBalance[]> {
    throw notProvided('the accounts of a customer');
  }

  async cardsOf(_customerId: string): Promise<readonly CardSummary[]> {
    throw notProvided('the cards of a customer');
  }

  async onlineReadersOf(customerId: string): Promise<readonly ReaderSummary[]> {
    const readers = this.options.readersOf ? await this.options.readersOf(customerId) : [];
    const online = await Promise.all(readers.map(async (r) => ((await this.downloads.readerOnline(r.readerId)) ? r : null)));
    return online.filter((r): r is ReaderSummary => r !== null);
  }

  async startDownload(request: StartDownload): Promise<DownloadView> {
    let started;
    try {
      started = await this.downloads.start({
        requestId: request.requestId,
        csn: request.csn,
        purse: request.purse,
        amount: formatMinor(request.amountMinor),
        mode: request.mode,
        readerId: request.readerId ?? undefined,
      });
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
    return downloadViewOf(owner, await this.downloads.state(row.request_id));
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
    return this.afterCode(downloadId, await this.downloads.submitRequestCode(await this.requestIdOf(downloadId), code, updateId));
  }

  async submitConfirmationCode(downloadId: string, code: string, updateId: string): Promise<DownloadView> {
    return this.afterCode(downloadId, await this.downloads.submitConfirmationCode(await this.requestIdOf(downloadId), code, updateId));
  }

  async reportNotLoaded(downloadId: string, code: string, updateId: string): Promise<DownloadView> {
    return this.afterCode(downloadId, await this.downloads.reportNotLoaded(await this.requestIdOf(downloadId), code, updateId));
  }

  async startSettlement(): Promise<SettlementView> {
    throw notProvided('settlement upload from a stream');
  }
  async settlement(): Promise<SettlementView | null> {
    throw notProvided('settlement results');
  }
  async settlementRecords(): Promise<readonly SettlementRecordView[]> {
    throw notProvided('settlement records');
  }
  async settlementsOf(): Promise<readonly SettlementView[]> {
    throw notProvided('the settlements of a merchant');
  }

  async needsAttention(): Promise<readonly AttentionItem[]> {
    const stuck = await this.downloads.listStuck({ limit: 200 });
    return stuck.map((s) => ({
      workflowId: s.workflowId,
      kind: s.phase === 'locked' ? 'code_entry_locked' : 'download_stuck',
      summary: `${s.amountMinor !== undefined ? formatMinor(BigInt(s.amountMinor)) : '?'} to card ${s.csn ?? '?'} (${s.phase.replace(/_/g, ' ')})`,
      since: s.startTime,
      evidence: [s.customerId ? `customer ${s.customerId}` : null, s.readerId ? `reader ${s.readerId}` : null].filter((e): e is string => e !== null),
      actions: s.phase === 'locked' ? ['unlock', 'resolve', 'void'] : ['retry', 'resolve', 'void'],
    }));
  }

  async operatorAction(workflowId: string, action: OperatorAction, evidence: string, operator: string, updateId: string): Promise<string> {
    const requestId = workflowId.replace(/^download-/, '');
    try {
      if (action === 'retry' || action === 'unlock') {
        await this.downloads.retryNow(requestId, operator);
        return `${action} sent to ${workflowId}`;
      }
      const state =
        action === 'resolve'
          ? await this.downloads.resolveWithEvidence(requestId, operator, evidenceOf(evidence, operator), updateId)
          : await this.downloads.voidWithEvidence(requestId, operator, evidenceOf(evidence, operator), updateId);
      return `${workflowId} is now ${state.phase.replace(/_/g, ' ')}`;
    } catch (err) {
      if (err instanceof DownloadClientError) throw new WorkflowRefusal(err.code, err.message);
      throw err;
    }
  }
}
