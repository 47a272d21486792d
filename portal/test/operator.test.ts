import { rolledOutCardLog } from './support/card-log';
import { Agent, startHarness, type Harness } from './support/harness';

let h: Harness;
let ops: Agent;
beforeAll(async () => {
  h = await startHarness('operator');
  ops = await Agent.signedIn(h.app, 'ops@example.com');
});
afterAll(async () => h.close());

function stuck(workflowId: string) {
  h.parts.attention.push({
    workflowId,
    kind: 'download_stuck',
    summary: '25.00 e-Cash to card 6071 0000 0000 0018, waiting for the confirmation code for 3 days',
    since: new Date('2026-11-22T10:00:00Z'),
    evidence: ['request code 00007 12345678 x', 'pending transfer 1f2e…'],
    actions: ['retry', 'resolve', 'void'],
  });
}

describe('needs attention', () => {
  test('the list is headed "Needs attention" and links each item to the Temporal Web UI', async () => {
    stuck('download-aaa');
    const page = await ops.get('/operator');
    expect(page.body).toContain('<h1>Needs attention</h1>');
    expect(page.body).toContain('http://127.0.0.1:8233/namespaces/default/workflows?query=WorkflowId%3D%22download-aaa%22');
    expect(page.body).toContain('request code 00007 12345678 x');
    const api = await ops.get('/api/v1/attention');
    expect(api.json().items[0]).toMatchObject({ workflowId: 'download-aaa', kind: 'download_stuck', actions: ['retry', 'resolve', 'void'] });
  });

  test('an action goes through the workflow and is written to the audit trail with who and what', async () => {
    stuck('download-bbb');
    const res = await ops.post('/api/v1/attention/download-bbb/actions', { action: 'resolve', evidence: 'confirmation code 123456782 shown by the customer' });
    expect(res.statusCode).toBe(200);
    expect(h.parts.operatorCalls.at(-1)).toEqual({ workflowId: 'download-bbb', action: 'resolve', evidence: 'confirmation code 123456782 shown by the customer', operator: 'ops@example.com' });
    const audit = await h.database.db('portal_audit').where({ workflow_id: 'download-bbb' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ user_id: String(h.users.operator.id), action: 'resolve', outcome: expect.stringMatching(/^done: /) });
  });

  test('a refusal of the workflow\u2019s validator is shown and audited too', async () => {
    stuck('download-ccc');
    const res = await ops.submit('/operator/items/download-ccc/actions', { action: 'void', evidence: 'customer says so' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Voiding needs a fresh request code');
    const audit = await h.database.db('portal_audit').where({ workflow_id: 'download-ccc' });
    expect(audit[0].outcome).toMatch(/^refused: /);
  });

  test('the page confirms an action in its own words, never with text from the link', async () => {
    stuck('download-fff');
    const res = await ops.submit('/operator/items/download-fff/actions', { action: 'retry', evidence: '' });
    expect(res.headers.location).toBe('/operator/items/download-fff?done=retry');
    expect((await ops.get(String(res.headers.location))).body).toContain('Retry now: done: retry accepted for download-fff.');
    expect((await ops.get('/operator?done=Call%20555-0100&item=x')).body).not.toContain('555-0100');
    expect((await ops.get('/operator/items/download-fff?done=Call%20555-0100')).body).not.toContain('555-0100');
  });

  test('an item opens on a page of its own with its evidence, its action form and its audit trail', async () => {
    stuck('download-ggg');
    const before = await ops.get('/operator/items/download-ggg');
    expect(before.statusCode).toBe(200);
    expect(before.body).toContain('request code 00007 12345678 x');
    expect(before.body).toContain('No one has acted on this yet.');
    expect((await ops.get('/operator')).body).toContain('href="/operator/items/download-ggg"');

    const res = await ops.submit('/operator/items/download-ggg/actions', { action: 'resolve', evidence: 'confirmation code 123456782' });
    const after = await ops.get(String(res.headers.location));
    expect(after.body).toContain('This no longer needs attention.');
    expect(after.body).toContain('Resolve with evidence: done: resolve accepted for download-ggg.');
    expect(after.body).toMatch(/<dd>ops@example.com<\/dd>\s*<dt>Action<\/dt><dd>resolve<\/dd>\s*<dt>Evidence<\/dt><dd>confirmation code 123456782<\/dd>\s*<dt>Outcome<\/dt><dd>done: resolve accepted for download-ggg<\/dd>/);
    const api = (await ops.get('/api/v1/attention/download-ggg')).json();
    expect(api).toMatchObject({ workflowId: 'download-ggg', item: null, audit: [{ operator: 'ops@example.com', action: 'resolve', evidence: 'confirmation code 123456782', outcome: 'done: resolve accepted for download-ggg' }] });
    expect(new Date(api.audit[0].at).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  test("a stuck download's card log shows on its page as a table, and in the API decoded with each record's hex, from one handler", async () => {
    stuck('download-log');
    const cardLog = rolledOutCardLog('reader-<i>7</i>');
    h.parts.cardLogs.set('download-log', cardLog);
    const page = (await ops.get('/operator/items/download-log')).body;
    expect(page).toContain('<caption>Card log records, newest first (10)</caption>');
    expect(page).toContain(`<tr><th scope="row">11</th><td>purchase</td><td>e-Cash</td><td class="num">1.00</td><td class="num">20.00</td><td><code>${cardLog.records[0].hex}</code></td></tr>`);
    expect(page).toContain('Read on reader reader-&lt;i&gt;7&lt;/i&gt; at 2026-11-25 10:15:30 UTC');
    const api = (await ops.get('/api/v1/attention/download-log')).json();
    expect(api.item.cardLog).toEqual({
      readerId: 'reader-<i>7</i>',
      readAt: '2026-11-25T10:15:30.000Z',
      atcCard: 11,
      reason: 'rolled_out_of_log',
      reasonText: "this load's record rolled out of the card's 10-record log",
      records: cardLog.records.map((r, i) => ({ hex: r.hex, decoded: { atc: 11 - i, kind: 'purchase', purse: 'ecash', amount: '1.00', balanceAfter: `${20 + i}.00` } })),
    });
    // The list stays cheap: the card log comes with the item opened on its own.
    const listed = (await ops.get('/api/v1/attention')).json().items.find((i: { workflowId: string }) => i.workflowId === 'download-log');
    expect(listed.cardLog).toBeNull();
  });

  test('an item without a card log has none, on the page and in the API', async () => {
    stuck('download-nolog');
    expect((await ops.get('/operator/items/download-nolog')).body).not.toContain('Card log');
    expect((await ops.get('/api/v1/attention/download-nolog')).json().item.cardLog).toBeNull();
  });

  test('the OpenAPI document describes the card log of an item', async () => {
    const doc = (await ops.get('/api/v1/openapi.json')).json();
    const item = doc.paths['/api/v1/attention/{id}'].get.responses['200'].content['application/json'].schema.properties.item;
    const record = item.properties.cardLog.properties.records.items.properties;
    expect(Object.keys(record)).toEqual(['hex', 'decoded']);
    expect(Object.keys(record.decoded.properties)).toEqual(['atc', 'kind', 'purse', 'amount', 'balanceAfter']);
  });

  test('an id that nobody listed or acted on is not found', async () => {
    expect((await ops.get('/operator/items/download-never')).statusCode).toBe(404);
    expect((await ops.get('/api/v1/attention/download-never')).statusCode).toBe(404);
  });

  test('resolve and void need evidence', async () => {
    stuck('download-ddd');
    const res = await ops.post('/api/v1/attention/download-ddd/actions', { action: 'void', evidence: '  ' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('evidence');
  });

  test('an action the item does not offer is refused', async () => {
    stuck('download-eee');
    const res = await ops.post('/api/v1/attention/download-eee/actions', { action: 'unlock' });
    expect(res.statusCode).toBe(422);
  });

  test('the audit trail cannot be edited or deleted', async () => {
    await h.database.db('portal_audit').update({ outcome: 'rewritten' });
    await h.database.db('portal_audit').delete();
    const rows = await h.database.db('portal_audit').select('outcome');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.outcome)).not.toContain('rewritten');
  });
});
