import { Readable } from 'node:stream';
import { PortalError } from '../../errors';
import { luhnCheckDigit } from '../../offline-code';
import {
  WorkflowRefusal,
  type AccountBalance,
  type AttentionItem,
  type CardLogEvidence,
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
} from '../../ports';

/**
 * An in-memory stand-in for workflows/client and ledger/queries, used by the page and route tests
 * until the real client side is bound (see portal/README.md, "What is not bound yet"). It keeps
 * the rules the pages depend on: ownership by customer and merchant, the offline code exchange
 * (a code is accepted when it matches what the simulated Pocket shows), wrong codes counted and
 * locked at 5, and the refusal messages of an update validator.
 */
export function withLuhn(payload: string): string {
  return payload + String(luhnCheckDigit(payload));
}

/** The simulated eCom Pocket: request code for a load, and the confirmation code after it. */
export const pocket = {
  requestCode(atc: number, macDigits = '12345678'): string {
    return withLuhn(String(atc).padStart(5, '0') + macDigits);
  },
  /** What the Pocket shows after it accepted the authorization code. */
  confirmationCode(authorizationCode: string): string {
    const digits = authorizationCode.replace(/\s/g, '');
    return withLuhn([...digits.slice(0, 8)].reverse().join(''));
  },
};

interface DownloadRecord {
  view: DownloadView;
  atc: number | null;
}

export class FakeParts implements WorkflowsPort, LedgerPort {
  reachable = true;
  /** needsAttention throws an unexpected error (the 500 page). */
  broken = false;
  readonly balances = new Map<string, AccountBalance[]>();
  readonly cards = new Map<string, CardSummary[]>();
  readonly readers = new Map<string, ReaderSummary[]>();
  readonly downloads = new Map<string, DownloadRecord>();
  readonly settlements = new Map<string, { view: SettlementView; records: SettlementRecordView[] }>();
  readonly attention: AttentionItem[] = [];
  /** What attentionDetail adds for a download: the card log its workflow read, by workflow id. */
  readonly cardLogs = new Map<string, CardLogEvidence>();
  readonly operatorCalls: { workflowId: string; action: OperatorAction; evidence: string; operator: string }[] = [];
  downloadReads = 0;

  addCustomer(customerId: string, csn: string): void {
    this.balances.set(customerId, [
      { purse: 'ecash', currency: 'EUR', availableMinor: 50_000n, reservedMinor: 0n },
      { purse: 'food', currency: 'EUR', availableMinor: 12_000n, reservedMinor: 0n },
    ]);
    this.cards.set(customerId, [
      {
        csn,
        maxBalanceMinor: 100_000n,
        blocked: false,
        purses: [
          { purse: 'ecash', lastKnownMinor: 1_000n },
          { purse: 'food', lastKnownMinor: null },
        ],
      },
    ]);
  }

  async checkReachable(): Promise<void> {
    if (!this.reachable) throw new Error('connect ECONNREFUSED 127.0.0.1:7233');
  }
  async balancesOf(customerId: string): Promise<readonly AccountBalance[]> {
    return this.balances.get(customerId) ?? [];
  }
  async cardsOf(customerId: string): Promise<readonly CardSummary[]> {
    return this.cards.get(customerId) ?? [];
  }
  async onlineReadersOf(customerId: string): Promise<readonly ReaderSummary[]> {
    return this.readers.get(customerId) ?? [];
  }

  async startDownload(request: StartDownload): Promise<DownloadView> {
    const downloadId = `download-${request.requestId}`;
    const existing = this.downloads.get(downloadId);
    if (existing) return existing.view;
    const view: DownloadView = {
      downloadId,
      customerId: request.customerId,
      csn: request.csn,
      purse: request.purse,
      amountMinor: request.amountMinor,
      mode: request.mode,
      step: request.mode === 'offline' ? 'waiting_for_request_code' : 'started',
      version: 1,
      authorizationCode: null,
      wrongCodes: 0,
      outcome: null,
      finished: false,
      startedAt: new Date(),
    };
    this.downloads.set(downloadId, { view, atc: null });
    return view;
  }

  /** Moves a download on, as the workflow would (connected steps, operator flags). */
  advance(downloadId: string, change: Partial<DownloadView>): DownloadView {
    const record = this.downloads.get(downloadId);
    if (!record) throw new Error(`no download ${downloadId}`);
    record.view = { ...record.view, ...change, version: record.view.version + 1 };
    return record.view;
  }

  async download(downloadId: string): Promise<DownloadView | null> {
    this.downloadReads++;
    // What TemporalParts answers when Temporal does not (see bindings/temporal-parts.ts).
    if (!this.reachable) throw new PortalError('workflows_unavailable', 'The portal cannot reach the workflow service right now; nothing was changed. Try again in a minute.');
    return this.downloads.get(downloadId)?.view ?? null;
  }
  async downloadsOf(customerId: string): Promise<readonly DownloadView[]> {
    return [...this.downloads.values()].map((r) => r.view).filter((v) => v.customerId === customerId);
  }

  private wrong(record: DownloadRecord, message: string): never {
    const wrongCodes = record.view.wrongCodes + 1;
    record.view = { ...record.view, wrongCodes, version: record.view.version + 1, ...(wrongCodes >= 5 ? { step: 'needs_operator' as const, outcome: 'Locked after 5 wrong codes.' } : {}) };
    throw new WorkflowRefusal('mac_mismatch', `${message} Wrong codes so far: ${wrongCodes} of 5.`);
  }

  async submitRequestCode(downloadId: string, requestCode: string): Promise<DownloadView> {
    const record = this.mustGet(downloadId);
    if (record.view.step !== 'waiting_for_request_code') throw new WorkflowRefusal('not_expected', 'This download is not waiting for a request code.');
    // The simulated card's MAC1 digits are always 12345678; anything else fails the MAC check.
    if (requestCode.slice(5, 13) !== '12345678') this.wrong(record, 'That request code does not come from this card for this amount; start “Load” on the Pocket again and type the new code.');
    record.atc = Number(requestCode.slice(0, 5));
    const authorizationCode = withLuhn(requestCode.slice(5, 13).split('').reverse().join('').replace(/^./, '9'));
    record.view = { ...record.view, step: 'waiting_for_confirmation_code', authorizationCode, version: record.view.version + 2 };
    return record.view;
  }

  async submitConfirmationCode(downloadId: string, confirmationCode: string): Promise<DownloadView> {
    const record = this.mustGet(downloadId);
    if (record.view.step !== 'waiting_for_confirmation_code' || !record.view.authorizationCode) throw new WorkflowRefusal('not_expected', 'This download is not waiting for a confirmation code.');
    if (confirmationCode !== pocket.confirmationCode(record.view.authorizationCode)) {
      this.wrong(record, 'That confirmation code does not prove the credit; let the Pocket show its last confirmation code again and type it.');
    }
    record.view = { ...record.view, step: 'posted', finished: true, outcome: 'The card was credited and the money posted.', version: record.view.version + 2 };
    return record.view;
  }

  async reportNotLoaded(downloadId: string, requestCode: string): Promise<DownloadView> {
    const record = this.mustGet(downloadId);
    if (record.atc === null || Number(requestCode.slice(0, 5)) !== record.atc) {
      this.wrong(record, 'That request code shows the card moved on; the card may have been loaded. Type the confirmation code instead.');
    }
    record.view = { ...record.view, step: 'voided', finished: true, outcome: 'The card was not loaded; the reservation was voided.', version: record.view.version + 1 };
    return record.view;
  }

  private mustGet(downloadId: string): DownloadRecord {
    const record = this.downloads.get(downloadId);
    if (!record) throw new Error(`no download ${downloadId}`);
    return record;
  }

  async startSettlement(request: StartSettlement): Promise<SettlementView> {
    let bytes = 0;
    for await (const chunk of request.content as Readable) bytes += (chunk as Buffer).length;
    const records = Math.max(0, (bytes - 40) / 48);
    const settlementId = `settlement-${request.merchantId}-${bytes}`;
    const existing = this.settlements.get(settlementId);
    if (existing) return existing.view;
    const rows: SettlementRecordView[] = Array.from({ length: records }, (_, i) => ({
      index: i + 1,
      csn: '6071000000000018',
      purse: 'ecash',
      amountMinor: 250n,
      verdict: i % 4 === 3 ? 'refused' : 'accepted',
      reason: i % 4 === 3 ? 'MACP does not match: the record was altered after the purchase' : null,
    }));
    const accepted = rows.filter((r) => r.verdict === 'accepted');
    const view: SettlementView = {
      settlementId,
      merchantId: request.merchantId,
      fileName: request.fileName,
      state: 'settled',
      recordCount: records,
      acceptedCount: accepted.length,
      refusedCount: rows.length - accepted.length,
      reason: null,
      startedAt: new Date(),
      totals: [
        { purse: 'ecash', acceptedMinor: 250n * BigInt(accepted.length) },
        { purse: 'food', acceptedMinor: 0n },
      ],
    };
    this.settlements.set(settlementId, { view, records: rows });
    return view;
  }
  async settlement(settlementId: string): Promise<SettlementView | null> {
    return this.settlements.get(settlementId)?.view ?? null;
  }
  async settlementRecords(settlementId: string, filter: { verdict?: 'accepted' | 'refused'; offset: number; limit: number }): Promise<readonly SettlementRecordView[]> {
    const rows = this.settlements.get(settlementId)?.records ?? [];
    return rows.filter((r) => !filter.verdict || r.verdict === filter.verdict).slice(filter.offset, filter.offset + filter.limit);
  }
  async settlementsOf(merchantId: string): Promise<readonly SettlementView[]> {
    return [...this.settlements.values()].map((s) => s.view).filter((v) => v.merchantId === merchantId);
  }

  async needsAttention(): Promise<readonly AttentionItem[]> {
    // A bug behind the port, as the portal would meet it: not a PortalError, not a refusal.
    if (this.broken) throw new TypeError("Cannot read properties of undefined (reading 'phase')");
    return this.attention;
  }
  async attentionDetail(item: AttentionItem): Promise<AttentionItem> {
    const cardLog = this.cardLogs.get(item.workflowId);
    return { ...item, evidence: [...item.evidence, 'detail from the workflow'], ...(cardLog ? { cardLog } : {}) };
  }
  async operatorAction(workflowId: string, action: OperatorAction, evidence: string, operator: string): Promise<string> {
    if (action === 'void' && !/^\d{14}$/.test(evidence)) {
      throw new WorkflowRefusal('evidence_invalid', 'Voiding needs a fresh request code from the card (14 digits) showing the same ATC.');
    }
    this.operatorCalls.push({ workflowId, action, evidence, operator });
    const index = this.attention.findIndex((a) => a.workflowId === workflowId);
    if (index >= 0) this.attention.splice(index, 1);
    return `${action} accepted for ${workflowId}`;
  }
}

export function bufferStream(buffer: Buffer): Readable {
  return Readable.from([buffer]);
}
