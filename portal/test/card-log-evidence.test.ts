import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeLogRecord, LOG_CAPACITY, parseSamId, PURSE, SimulatedCard, SimulatedPos, SimulatedSam } from '../../card-driver';
import { migrateSettlement } from '../../workflows';
import { startAcr30Rig, type Acr30Rig } from '../../workflows/test/acr30-rig';
import { FaultyCard } from '../../workflows/test/faulty-card';
import { customerWithCard, eventually, startHarness as startWorkflowsHarness, uniqueId, type Harness as WorkflowsHarness } from '../../workflows/test/harness';
import { addUser, migratePortal, startPortal, TemporalParts, type RunningPortal } from '../index';
import { Agent } from './support/harness';

/**
 * "The log too old" (workflows' fault tests) seen by an operator in the portal: a connected
 * download torn after CREDIT LOAD, the card then used ten times off-system so the load's record
 * rolled out of its log, waits for an operator with the log as read in its state (`logEvidence`).
 * Real Temporal with the real server worker, a reader agent on an ACR30 simulator over a socat
 * pair (workflows/test's rig), PostgreSQL; the portal bound through TemporalParts as in production.
 */
jest.setTimeout(90_000);

let wf: WorkflowsHarness;
let rig: Acr30Rig;
let portal: RunningPortal;
const PASSWORD = 'a long enough password';

beforeAll(async () => {
  wf = await startWorkflowsHarness('portal_card_log');
  await migrateSettlement(wf.db.db);
  await migratePortal(wf.db.db);
  rig = await startAcr30Rig(wf, uniqueId('portal-log'));
  const parts = new TemporalParts({ client: wf.client, db: wf.db.db, taskQueue: wf.taskQueue, uploadDir: join(tmpdir(), `purseflow-portal-${randomBytes(4).toString('hex')}`), decodeLogRecord });
  portal = await startPortal({ db: wf.db.db, workflows: parts, ledger: parts, sessionKey: randomBytes(32), logger: false });
});

afterAll(async () => {
  rig?.sim.remove();
  await portal?.close();
  await rig?.close();
  await wf?.close();
});

test("a download whose load rolled out of the card's log shows the log as read, decoded with each record's hex, on the item page and in the API", async () => {
  const { csn } = await customerWithCard(wf, { cash: '100.00' });
  const card = new FaultyCard(SimulatedCard.issue(wf.keys, csn));
  rig.sim.insert(card.at('creditLoad', { kind: 'tear-after' }));
  const requestId = uniqueId('portal-log');
  const workflowId = `download-${requestId}`;
  await wf.downloads.start({
    requestId,
    csn,
    purse: 'ecash',
    amount: '30.00',
    mode: 'connected',
    readerId: rig.readerId,
    timing: { readerPickupMs: 5000, cardStepMs: 3000, recoveryRetryMs: 1000, operatorAfterMs: 120_000 },
  });
  try {
    await eventually('the torn download to wait for the card', async () => (await wf.downloads.state(requestId)).phase === 'awaiting_card', 30_000);
    // Ten 1.00 purchases away from any reader (ATC 2..11): the load's ATC 1 rolls out of the log.
    const pos = new SimulatedPos(SimulatedSam.issue(wf.keys, parseSamId(randomBytes(8).toString('hex').toUpperCase())));
    card.card.insert();
    for (let i = 0; i < LOG_CAPACITY; i++) pos.purchase(card.card, PURSE.ecash, 100n);
    rig.sim.insert(card);
    await eventually('the download to wait for an operator', async () => (await wf.downloads.state(requestId)).phase === 'needs_operator', 30_000);
    const { logEvidence } = await wf.downloads.state(requestId);
    expect(logEvidence?.recordsHex).toHaveLength(LOG_CAPACITY);

    const operator = `${uniqueId('ops')}@example.com`;
    await addUser(wf.db.db, { email: operator, role: 'operator', password: PASSWORD });
    const ops = await Agent.signedIn(portal.app, operator, PASSWORD);
    let api: { statusCode: number; json: () => { item: { cardLog: unknown } | null } } | undefined;
    await eventually('the download to be listed for operators', async () => {
      api = await ops.get(`/api/v1/attention/${workflowId}`);
      return api.statusCode === 200 && api.json().item !== null;
    }, 30_000);
    expect(api!.json().item!.cardLog).toEqual({
      readerId: rig.readerId,
      readAt: logEvidence!.readAt,
      atcCard: 11,
      reason: 'rolled_out_of_log',
      reasonText: "this load's record rolled out of the card's 10-record log",
      records: logEvidence!.recordsHex.map((hex, i) => ({ hex, decoded: { atc: 11 - i, kind: 'purchase', purse: 'ecash', amount: '1.00', balanceAfter: `${20 + i}.00` } })),
    });

    const page = (await ops.get(`/operator/items/${workflowId}`)).body;
    expect(page).toContain('<caption>Card log records, newest first (10)</caption>');
    expect(page).toContain(`<tr><th scope="row">11</th><td>purchase</td><td>e-Cash</td><td class="num">1.00</td><td class="num">20.00</td><td><code>${logEvidence!.recordsHex[0]}</code></td></tr>`);
    expect(page).toContain(`<tr><th scope="row">2</th><td>purchase</td><td>e-Cash</td><td class="num">1.00</td><td class="num">29.00</td><td><code>${logEvidence!.recordsHex[9]}</code></td></tr>`);
    expect(page).toContain(`Read on reader ${rig.readerId}`);

    // A record's hex handed back as evidence is checked by the workflow: one that is not this load proves nothing.
    const refused = await ops.post(`/api/v1/attention/${workflowId}/actions`, { action: 'resolve', evidence: logEvidence!.recordsHex[LOG_CAPACITY - 1] });
    expect(refused.statusCode).toBe(422);
    const resolved = await ops.post(`/api/v1/attention/${workflowId}/actions`, { action: 'resolve', evidence: 'ticket 4711: purchases from ATC 2 start from a balance of 30.00' });
    expect(resolved.json()).toEqual({ outcome: `${workflowId} is now posted` });
  } finally {
    rig.sim.remove();
    await wf.client.workflow.getHandle(workflowId).terminate('portal test cleanup').catch(() => undefined);
  }
});
