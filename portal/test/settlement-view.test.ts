import type { RejectedRecord, SettledBatch } from '../../workflows/client';
import { finishedSettlementView, refusedRecordView, runningSettlementView } from '../bindings/settlement-view';

const owner = { settlementId: 'settlement-00112233445566AA-1', merchantId: 'm-1', fileName: 'b.estb', startedAt: new Date(0) };

describe('SettlementWorkflow\u2019s outcome as the portal shows it', () => {
  test('a settled batch has its totals per purse and its counts', () => {
    const result: SettledBatch = {
      outcome: 'settled',
      batchKey: '00112233445566AA-1',
      merchantId: 'm-1',
      records: 5,
      accepted: 4,
      rejected: 1,
      rejectedByReason: { card_mac_invalid: 1 },
      settledMinor: { ecash: '12550', food: '300' },
      rejections: [],
      moreRejections: false,
    };
    expect(finishedSettlementView(owner, result)).toMatchObject({
      state: 'settled',
      recordCount: 5,
      acceptedCount: 4,
      refusedCount: 1,
      totals: [
        { purse: 'ecash', acceptedMinor: 12550n },
        { purse: 'food', acceptedMinor: 300n },
      ],
    });
  });

  test('a rejected file says why', () => {
    const view = finishedSettlementView(owner, { outcome: 'file_rejected', batchKey: 'k', merchantId: 'm-1', reason: 'file_mac_invalid' as never, message: 'The file MAC does not hold.' });
    expect(view).toMatchObject({ state: 'rejected', reason: 'The file MAC does not hold.' });
  });

  test('a running one shows its progress so far', () => {
    expect(runningSettlementView(owner, { records: 10, accepted: 3, rejected: 1 })).toMatchObject({ state: 'running', recordCount: 10, acceptedCount: 3, refusedCount: 1 });
  });

  test('a refused record carries the reason in plain words and its purse by the spec\u2019s byte', () => {
    const record: RejectedRecord = { index: 3, reason: 'card_mac_invalid', csn: '6071000000000019', atc: 3, purse: 2, amountMinor: '4250', samId: '53414D0000000007', samSeq: 17 };
    expect(refusedRecordView(record)).toEqual({
      index: 3,
      csn: '6071000000000019',
      purse: 'food',
      amountMinor: 4250n,
      verdict: 'refused',
      reason: expect.stringContaining('MACP'),
    });
  });
});
