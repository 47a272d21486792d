import { join } from 'node:path';
import { decodeLogRecord } from '../../card-driver';
import { cardLogEvidenceOf } from '../bindings/card-log-view';
import { cardLogTable } from '../routes/pages';
import { createViews } from '../views/render';
import { rolledOutCardLog, rolledOutLogEvidence } from './support/card-log';

/**
 * DownloadWorkflow's `logEvidence` as the operator's item page shows it: pure mapping and the
 * template, without Temporal (the HTTP and real-Temporal paths are in operator.test.ts and
 * card-log-evidence.test.ts).
 */
describe("a stuck download's card log in the portal's words", () => {
  test('each record is decoded by card-driver (ATC, kind, purse, amount, balance after) and keeps its hex, newest first', () => {
    const evidence = rolledOutLogEvidence('reader-1');
    const log = cardLogEvidenceOf(evidence, decodeLogRecord);
    expect(log).toMatchObject({ readerId: 'reader-1', atcCard: 11, reason: 'rolled_out_of_log', readAt: new Date('2026-11-25T10:15:30Z') });
    expect(log.records).toHaveLength(10);
    expect(log.records[0]).toEqual({ hex: evidence.recordsHex[0], decoded: { atc: 11, kind: 'purchase', purse: 'ecash', amountMinor: 100n, balanceAfterMinor: 2000n } });
    expect(log.records[9].decoded).toMatchObject({ atc: 2, balanceAfterMinor: 2900n });
  });

  test('bytes that are not a log record stay evidence, shown as they are without a decoding', () => {
    const evidence = { ...rolledOutLogEvidence('reader-1'), recordsHex: ['ff'.repeat(28), 'zz', '01'.repeat(27)] };
    expect(cardLogEvidenceOf(evidence, decodeLogRecord).records).toEqual([
      { hex: 'ff'.repeat(28), decoded: null },
      { hex: 'zz', decoded: null },
      { hex: '01'.repeat(27), decoded: null },
    ]);
  });
});

describe('the operator item page renders the card log', () => {
  const views = createViews(join(__dirname, '..', 'views'), false);
  const render = (cardLog: ReturnType<typeof cardLogTable> | null) =>
    views.render('operator-item', {
      title: 'Download waiting too long',
      user: { email: 'ops@example.com', role: 'operator' },
      csrfToken: 't',
      workflowId: 'download-x',
      temporalLink: 'http://127.0.0.1:8233/',
      item: { workflowId: 'download-x', kindLabel: 'Download waiting too long', summary: '30.00 to card 6071', since: '2026-11-25 10:00 UTC', evidence: ['why it waits: log'], actions: [], temporalLink: 'http://127.0.0.1:8233/', cardLog },
      audit: [],
      error: null,
    });

  test('as a table with a caption in a keyboard-reachable scrolling region, one row per record with its hex', () => {
    const html = render(cardLogTable(rolledOutCardLog('reader-1')));
    expect(html).toContain('<h3 id="card-log-heading">Card log as read</h3>');
    expect(html).toContain('<div class="scroll card-log" role="region" aria-labelledby="card-log-heading" tabindex="0">');
    expect(html).toContain('<caption>Card log records, newest first (10)</caption>');
    expect(html).toContain('<th scope="col">Balance after</th>');
    expect(html).toContain(`<tr><th scope="row">11</th><td>purchase</td><td>e-Cash</td><td class="num">1.00</td><td class="num">20.00</td><td><code>${rolledOutLogEvidence().recordsHex[0]}</code></td></tr>`);
    expect(html.match(/<tr><th scope="row">/g)).toHaveLength(10);
    expect(html).toContain("this load&#39;s record rolled out of the card&#39;s 10-record log");
  });

  test('what the workflow stored is escaped: a reader id or a record cannot put markup on the page', () => {
    const log = rolledOutCardLog('reader-<b>1</b>');
    const html = render(cardLogTable({ ...log, records: [{ hex: '<img src=x onerror=alert(1)>', decoded: null }] }));
    expect(html).toContain('reader-&lt;b&gt;1&lt;/b&gt;');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('<code>&lt;img src=x onerror=alert(1)&gt;</code>');
  });

  test('without a card log there is no card log section', () => {
    expect(render(null)).not.toContain('Card log');
  });
});
