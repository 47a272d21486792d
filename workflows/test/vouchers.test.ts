import { Worker } from '@temporalio/worker';
import type { Ledger } from '../../ledger';
import { Registry } from '../registry';
import { storeUpload } from '../settlement/upload-store';
import { createVoucherActivities } from '../vouchers/voucher-activities';
import { voucherIdOf } from '../vouchers/voucher-rows';
import { startVoucherIssuance, voucherIssuanceOutcome, voucherProgress } from '../vouchers/voucher-client';
import type { VoucherIssuanceResult } from '../vouchers/voucher-types';
import { createWorld, postedBalance, type World } from './settlement-world';

jest.setTimeout(60_000);

let world: World;
let fileCounter = 0;

async function issue(csv: string, rowsPerChunk?: number) {
  const file = world.writeFile(`vouchers-${++fileCounter}.csv`, csv);
  const handle = await startVoucherIssuance(world.client, { file, uploadDir: world.uploadDir, taskQueue: world.taskQueue, rowsPerChunk });
  return { handle, result: await voucherIssuanceOutcome(handle) };
}

function processed(result: VoucherIssuanceResult) {
  if (result.outcome !== 'processed') throw new Error(`expected a processed file, got ${JSON.stringify(result)}`);
  return result;
}

const foodBalance = async (customerId: string): Promise<bigint> => (await postedBalance(world.ledger, (await world.registry.customer(customerId)).foodAccountId)).posted;

// Each run of the suite gets customers of its own (the dev server keeps workflow ids named by file hash).
const tag = `${process.pid}-${Date.now()}`;
const BOB = `bob-${tag}`;
const CAROL = `carol-${tag}`;
const DAVE = `dave-${tag}`;

const withBadRows = [
  'customer_id,amount',
  `${BOB},100.00`,
  `${CAROL},0`,
  `${CAROL},-5.00`,
  `${CAROL},1.005`,
  `${CAROL},50000000.00`,
  `${CAROL},12,50`,
  `${CAROL},ten`,
  `${DAVE},20.00`,
  '',
  `${CAROL},30.00`,
].join('\n');

beforeAll(async () => {
  world = await createWorld('vouchers', require.resolve('../vouchers/voucher-workflow'));
  await world.registry.enrolCustomer({ id: BOB, name: 'Bob' });
  await world.registry.enrolCustomer({ id: CAROL, name: 'Carol' });
}, 120_000);

afterAll(async () => {
  await world?.close();
});

afterEach(async () => {
  expect(await world.invariantViolations()).toEqual([]);
});

describe('VoucherIssuanceWorkflow', () => {
  it('issues every row of a good file from the programme to the customers’ food accounts', async () => {
    const programme = Registry.platformAccountId('programme');
    const [programmeBefore] = await world.ledger.lookupAccounts([programme]);
    const { result } = await issue(['customer_id,amount', `${BOB},10.00`, `${CAROL},20.50`, `${BOB},5`].join('\r\n') + '\r\n');
    expect(processed(result)).toMatchObject({ rows: 3, issued: 3, alreadyIssued: 0, rejected: 0, issuedMinor: '3550', rejections: [] });
    expect(await foodBalance(BOB)).toBe(15_00n);
    expect(await foodBalance(CAROL)).toBe(20_50n);
    const [programmeAfter] = await world.ledger.lookupAccounts([programme]);
    expect(programmeAfter.debitsPosted - programmeBefore.debitsPosted).toBe(35_50n);
    expect(await world.database.db('registry_fundings').where({ kind: 'food_voucher', customer_id: BOB })).toHaveLength(2);
  });

  it('reports each bad row with its line and reason, and issues the rest', async () => {
    const bob = await foodBalance(BOB);
    const carol = await foodBalance(CAROL);
    const { handle, result } = await issue(withBadRows, 3);
    const outcome = processed(result);
    await Worker.runReplayHistory({ workflowBundle: world.workflowBundle }, await handle.fetchHistory());
    expect(outcome).toMatchObject({ rows: 9, issued: 2, rejected: 7, issuedMinor: '13000' });
    expect(outcome.rejections.map((r) => [r.line, r.reason])).toEqual([
      [3, 'amount_zero'],
      [4, 'amount_negative'],
      [5, 'amount_too_precise'],
      [6, 'amount_too_large'],
      [7, 'malformed_row'],
      [8, 'amount_malformed'],
      [9, 'unknown_customer'],
    ]);
    expect(await foodBalance(BOB)).toBe(bob + 100_00n);
    expect(await foodBalance(CAROL)).toBe(carol + 30_00n);
  });

  it('issues nothing twice when the same file runs again', async () => {
    const bob = await foodBalance(BOB);
    const carol = await foodBalance(CAROL);
    const { result } = await issue(withBadRows);
    expect(processed(result)).toMatchObject({ rows: 9, issued: 0, alreadyIssued: 2, rejected: 7, issuedMinor: '0' });
    expect(await foodBalance(BOB)).toBe(bob);
    expect(await foodBalance(CAROL)).toBe(carol);
  });

  it('issues only the missing row once the unknown customer is enrolled and the file runs again', async () => {
    await world.registry.enrolCustomer({ id: DAVE, name: 'Dave' });
    const { result } = await issue(withBadRows);
    expect(processed(result)).toMatchObject({ issued: 1, alreadyIssued: 2, rejected: 6, issuedMinor: '2000' });
    expect(await foodBalance(DAVE)).toBe(20_00n);
  });

  it('answers the progress query with every row processed at the end', async () => {
    const rows = Array.from({ length: 7 }, (_, i) => `${BOB},${i + 1}.00`);
    const { handle, result } = await issue(['customer_id,amount', ...rows].join('\n'), 2);
    expect(processed(result)).toMatchObject({ rows: 7, issued: 7 });
    expect(await voucherProgress(handle)).toEqual({ phase: 'done', totalRows: 7, processedRows: 7, issued: 7, alreadyIssued: 0, rejected: 0 });
  });

  it('refuses a file without the customer_id,amount header and issues nothing', async () => {
    const bob = await foodBalance(BOB);
    const { result } = await issue(`${BOB},1.00\n${BOB},2.00\n`);
    expect(result).toMatchObject({ outcome: 'file_rejected', reason: 'header_missing' });
    expect(await foodBalance(BOB)).toBe(bob);
  });

  describe('a worker that dies between the ledger write and the bookkeeping', () => {
    /** The real ledger, whose createTransfers writes and then "loses the worker" before answering. */
    const dyingAfterLedgerWrite = (ledger: Ledger): Ledger =>
      new Proxy(ledger, {
        get(target, key, receiver) {
          if (key !== 'createTransfers') return Reflect.get(target, key, receiver);
          return async (...args: Parameters<Ledger['createTransfers']>) => {
            await target.createTransfers(...args);
            throw new Error('worker lost right after the ledger write');
          };
        },
      });

    async function scannedFile(rows: string[]) {
      const file = world.writeFile(`vouchers-${++fileCounter}.csv`, ['customer_id,amount', ...rows].join('\n'));
      const upload = await storeUpload(file, world.uploadDir, '.csv');
      const scan = await createVoucherActivities({ db: world.database.db, ledger: world.ledger }).scanVoucherFile({ upload, rowsPerChunk: 100 });
      if (!scan.accepted) throw new Error(`scan refused: ${scan.message}`);
      return { upload, chunk: scan.chunks[0] };
    }

    it('counts the vouchers as issued by the run when its retried chunk finds them in the ledger', async () => {
      const { upload, chunk } = await scannedFile([`${BOB},1.00`, `${CAROL},2.00`]);
      const bob = await foodBalance(BOB);
      const dying = createVoucherActivities({ db: world.database.db, ledger: dyingAfterLedgerWrite(world.ledger) });
      await expect(dying.issueVoucherChunk({ upload, chunk, issuingRun: 'run-1' })).rejects.toThrow('worker lost');
      expect(await world.database.db('registry_fundings').whereIn('id', [voucherIdOf(upload.sha256, 2), voucherIdOf(upload.sha256, 3)])).toHaveLength(0);

      const retry = await createVoucherActivities({ db: world.database.db, ledger: world.ledger }).issueVoucherChunk({ upload, chunk, issuingRun: 'run-1' });
      expect(retry).toMatchObject({ rows: 2, issued: 2, alreadyIssued: 0, issuedMinor: '300', rejections: [] });
      expect(await foodBalance(BOB)).toBe(bob + 1_00n);
      expect(await world.database.db('registry_fundings').whereIn('id', [voucherIdOf(upload.sha256, 2), voucherIdOf(upload.sha256, 3)])).toHaveLength(2);
    });

    it('gives the same counts when a chunk that completed is retried, and counts them issued before in a later run', async () => {
      const { upload, chunk } = await scannedFile([`${BOB},4.00`]);
      const activities = createVoucherActivities({ db: world.database.db, ledger: world.ledger });
      expect(await activities.issueVoucherChunk({ upload, chunk, issuingRun: 'run-a' })).toMatchObject({ issued: 1, alreadyIssued: 0 });
      expect(await activities.issueVoucherChunk({ upload, chunk, issuingRun: 'run-a' })).toMatchObject({ issued: 1, alreadyIssued: 0, issuedMinor: '400' });
      expect(await activities.issueVoucherChunk({ upload, chunk, issuingRun: 'run-b' })).toMatchObject({ issued: 0, alreadyIssued: 1, issuedMinor: '0' });
    });

    it('counts as issued before a voucher the registry issued under the same voucher id before the run claimed it', async () => {
      const { upload, chunk } = await scannedFile([`${CAROL},6.00`]);
      await world.registry.issueFoodVoucher({ voucherId: voucherIdOf(upload.sha256, 2), customerId: CAROL, amount: '6.00' });
      const dying = createVoucherActivities({ db: world.database.db, ledger: dyingAfterLedgerWrite(world.ledger) });
      await expect(dying.issueVoucherChunk({ upload, chunk, issuingRun: 'run-x' })).rejects.toThrow('worker lost');
      const retry = await createVoucherActivities({ db: world.database.db, ledger: world.ledger }).issueVoucherChunk({ upload, chunk, issuingRun: 'run-x' });
      expect(retry).toMatchObject({ issued: 0, alreadyIssued: 1 });
    });
  });
});
