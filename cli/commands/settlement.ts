/**
 * `purseflow settlement upload FILE`, `purseflow vouchers issue FILE` and `purseflow merchants
 * payout`: start the settlement and voucher workflows from a terminal, follow them (a progress bar
 * on a terminal), print the typed outcome. The same client code the portal uses.
 */
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Command, InvalidArgumentError } from 'commander';
import knex, { type Knex } from 'knex';
import { createLedger, parseAmount } from '../../ledger';
import {
  DEFAULT_SERVER_TASK_QUEUE,
  FILE_REJECTION_REASONS,
  RECORD_REJECTION_REASONS,
  VOUCHER_FILE_REJECTIONS,
  VOUCHER_ROW_REJECTIONS,
  formatMoney,
  settlementOutcome,
  settlementProgress,
  startVoucherIssuance,
  uploadSettlementFile,
  voucherIssuanceOutcome,
  voucherProgress,
  type SettlementResult,
  type VoucherIssuanceResult,
} from '../../workflows/client';
import { payOutMerchant } from '../../workflows';
import { readServicesConfig, servicesEnvironment } from '../services';

/** Exit status when a file was refused whole (nothing moved). */
const EXIT_FILE_REFUSED = 2;
/** Exit status when some records or rows were refused (the rest went through). */
const EXIT_SOME_REFUSED = 3;

interface Endpoints {
  readonly databaseUrl: string;
  readonly temporalAddress: string;
  readonly namespace: string;
  readonly uploadDir: string;
}

function endpoints(): Endpoints {
  const config = readServicesConfig();
  // Variables win over the addresses the service manager would use (an external deployment).
  const env = { ...servicesEnvironment(config), ...definedOnly(process.env) };
  return {
    databaseUrl: env.DATABASE_URL,
    temporalAddress: env.TEMPORAL_ADDRESS,
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
    uploadDir: process.env.PURSEFLOW_UPLOAD_DIR || path.join(config.dataDir, 'uploads'),
  };
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
}

async function withClient<T>(e: Endpoints, work: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: e.temporalAddress });
  try {
    return await work(new Client({ connection, namespace: e.namespace }));
  } finally {
    await connection.close();
  }
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('give a positive whole number');
  return n;
}

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** A one-line bar redrawn in place on a terminal; silent when stderr is not a terminal. */
function progressBar(label: string): { draw(done: number, total: number, detail: string): void; end(): void } {
  const tty = process.stderr.isTTY === true;
  let drawn = false;
  return {
    draw(done, total, detail) {
      if (!tty) return;
      const width = 30;
      const ratio = total > 0 ? Math.min(1, done / total) : 0;
      const filled = Math.round(ratio * width);
      process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${done}/${total} ${detail}\x1b[K`);
      drawn = true;
    },
    end() {
      if (drawn) process.stderr.write('\n');
    },
  };
}

/** Polls `query` until `result` settles, drawing the bar. */
async function follow<R, P>(result: Promise<R>, query: () => Promise<P>, draw: (p: P) => void): Promise<R> {
  let finished = false;
  const polling = (async () => {
    while (!finished) {
      try {
        draw(await query());
      } catch {
        // The run may be between continue-as-new runs or not picked up by a worker yet: try again.
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  try {
    return await result;
  } finally {
    finished = true;
    await polling;
  }
}

function printSettlement(result: SettlementResult): void {
  if (result.outcome === 'file_rejected') {
    out(`batch ${result.batchKey}: file refused (${result.reason}); nothing was settled.`);
    out(`  ${FILE_REJECTION_REASONS[result.reason]}`);
    process.exitCode = EXIT_FILE_REFUSED;
    return;
  }
  out(`batch ${result.batchKey} of merchant ${result.merchantId}: ${result.records} records, ${result.accepted} settled, ${result.rejected} rejected`);
  out(`  settled e-Cash ${formatMoney(BigInt(result.settledMinor.ecash))}, Food Voucher ${formatMoney(BigInt(result.settledMinor.food))}`);
  for (const [reason, count] of Object.entries(result.rejectedByReason)) {
    out(`  ${count} × ${reason}: ${RECORD_REJECTION_REASONS[reason as keyof typeof RECORD_REJECTION_REASONS]}`);
  }
  for (const r of result.rejections) {
    out(`  record ${r.index}: ${r.reason} (card ${r.csn}, ATC ${r.atc}, ${formatMoney(BigInt(r.amountMinor))}, SAM ${r.samId} #${r.samSeq})`);
  }
  if (result.moreRejections) out('  … more rejected records: see the portal.');
  if (result.rejected > 0) process.exitCode = EXIT_SOME_REFUSED;
}

function printVouchers(result: VoucherIssuanceResult): void {
  if (result.outcome === 'file_rejected') {
    out(`voucher file refused (${result.reason}); nothing was issued.`);
    out(`  ${VOUCHER_FILE_REJECTIONS[result.reason]}`);
    process.exitCode = EXIT_FILE_REFUSED;
    return;
  }
  out(`${result.rows} rows: ${result.issued} vouchers issued (${formatMoney(BigInt(result.issuedMinor))}), ${result.alreadyIssued} issued before, ${result.rejected} rejected`);
  for (const r of result.rejections) out(`  line ${r.line}: ${r.reason} — ${VOUCHER_ROW_REJECTIONS[r.reason]}  [${r.text}]`);
  if (result.moreRejections) out('  … more rejected rows.');
  if (result.rejected > 0) process.exitCode = EXIT_SOME_REFUSED;
}

async function payouts(e: Endpoints, options: { merchant?: string; reference?: string; amount?: string }): Promise<void> {
  const db: Knex = knex({ client: 'pg', connection: e.databaseUrl, pool: { min: 0, max: 4 } });
  const ledger = createLedger(db, { batching: false });
  try {
    const amountMinor = options.amount === undefined ? undefined : parseAmount(options.amount, 2);
    const reference = options.reference ?? `payout-${new Date().toISOString().slice(0, 10)}`;
    const merchants: string[] = options.merchant ? [options.merchant] : await db('registry_merchants').orderBy('id').pluck('id');
    for (const merchantId of merchants) {
      const payout = await payOutMerchant({ db, ledger }, { merchantId, reference, amountMinor });
      const amount = formatMoney(payout.amountMinor);
      const what = payout.outcome === 'paid' ? `paid ${amount}` : payout.outcome === 'already_paid' ? `already paid ${amount} under this reference` : 'nothing to pay';
      out(`${merchantId}: ${what} (reference ${payout.reference}, transfer ${payout.transferId})`);
    }
  } finally {
    await ledger.close();
    await db.destroy();
  }
}

function findOrAdd(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

function defineUpload(command: Command): void {
  command
    .description('upload a Transfer card\'s .estb file and settle it (uploading the same file again shows the first result)')
    .argument('<file>', 'the .estb file exported from the Transfer card')
    .requiredOption('--merchant <id>', 'the merchant uploading the file')
    .option('--chunk-records <n>', 'records per chunk activity', positiveInteger)
    .option('--task-queue <name>', 'the server worker\'s task queue', DEFAULT_SERVER_TASK_QUEUE)
    .action(async (file: string, options: { merchant: string; chunkRecords?: number; taskQueue: string }) => {
      const e = endpoints();
      await withClient(e, async (client) => {
        const started = await uploadSettlementFile(client, { merchantId: options.merchant, file, uploadDir: e.uploadDir, taskQueue: options.taskQueue, chunkRecords: options.chunkRecords });
        out(`${started.started ? 'started' : 'already uploaded:'} ${started.workflowId}`);
        const bar = progressBar('settling');
        const result = await follow(settlementOutcome(started.handle), () => settlementProgress(started.handle), (p) =>
          bar.draw(p.chunksChecked + p.chunksPosted, 2 * p.chunkCount, `${p.phase} · ${p.accepted} accepted · ${p.rejected} rejected`),
        );
        bar.end();
        printSettlement(result);
      });
    });
}

export function registerSettlementCommands(program: Command): void {
  const settlement = findOrAdd(program, 'settlement', 'settle merchants\' .estb files');
  // `settlement upload FILE` and its short form `settle FILE`: one definition in both places.
  for (const command of [settlement.command('upload'), program.command('settle')]) defineUpload(command);

  const vouchers = findOrAdd(program, 'vouchers', 'issue food vouchers');
  vouchers
    .command('issue')
    .description('issue food vouchers from a CSV file `customer_id,amount` (running the same file again issues only what is missing)')
    .argument('<file>', 'the CSV file')
    .option('--rows-per-chunk <n>', 'rows per chunk activity', positiveInteger)
    .option('--task-queue <name>', 'the server worker\'s task queue', DEFAULT_SERVER_TASK_QUEUE)
    .action(async (file: string, options: { rowsPerChunk?: number; taskQueue: string }) => {
      const e = endpoints();
      await withClient(e, async (client) => {
        const handle = await startVoucherIssuance(client, { file, uploadDir: e.uploadDir, taskQueue: options.taskQueue, rowsPerChunk: options.rowsPerChunk });
        const bar = progressBar('vouchers');
        const result = await follow(voucherIssuanceOutcome(handle), () => voucherProgress(handle), (p) =>
          bar.draw(p.processedRows, p.totalRows, `· ${p.issued} issued · ${p.rejected} rejected`),
        );
        bar.end();
        printVouchers(result);
      });
    });

  const merchants = findOrAdd(program, 'merchants', 'merchants, their SAMs and Transfer cards');
  merchants
    .command('payout')
    .description('pay merchants what settlement credited them (merchant payable → bank), once per reference')
    .option('--merchant <id>', 'one merchant (default: every merchant with money available)')
    .option('--amount <amount>', 'how much, e.g. 250.00 (default: everything available)')
    .option('--reference <ref>', 'the bank transfer reference; repeating a reference pays nothing twice (default: payout-<today>)')
    .action(async (options: { merchant?: string; amount?: string; reference?: string }) => {
      await payouts(endpoints(), options);
    });
}
