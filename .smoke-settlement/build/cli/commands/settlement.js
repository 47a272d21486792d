"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.registerSettlementCommands = registerSettlementCommands;
/**
 * `purseflow settlement upload FILE`, `purseflow vouchers issue FILE` and `purseflow merchants
 * payout`: start the settlement and voucher workflows from a terminal, follow them (a progress bar
 * on a terminal), print the typed outcome. The same client code the portal uses.
 */
const node_path_1 = __importDefault(require("node:path"));
const client_1 = require("@temporalio/client");
const commander_1 = require("commander");
const knex_1 = __importDefault(require("knex"));
const ledger_1 = require("../../ledger");
const client_2 = require("../../workflows/client");
const workflows_1 = require("../../workflows");
const services_1 = require("../services");
/** Exit status when a file was refused whole (nothing moved). */
const EXIT_FILE_REFUSED = 2;
/** Exit status when some records or rows were refused (the rest went through). */
const EXIT_SOME_REFUSED = 3;
function endpoints() {
    const config = (0, services_1.readServicesConfig)();
    // Variables win over the addresses the service manager would use (an external deployment).
    const env = { ...(0, services_1.servicesEnvironment)(config), ...definedOnly(process.env) };
    return {
        databaseUrl: env.DATABASE_URL,
        temporalAddress: env.TEMPORAL_ADDRESS,
        namespace: env.TEMPORAL_NAMESPACE ?? 'default',
        uploadDir: process.env.PURSEFLOW_UPLOAD_DIR || node_path_1.default.join(config.dataDir, 'uploads'),
    };
}
function definedOnly(env) {
    return Object.fromEntries(Object.entries(env).filter((e) => typeof e[1] === 'string' && e[1] !== ''));
}
async function withClient(e, work) {
    const connection = await client_1.Connection.connect({ address: e.temporalAddress });
    try {
        return await work(new client_1.Client({ connection, namespace: e.namespace }));
    }
    finally {
        await connection.close();
    }
}
function positiveInteger(value) {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0)
        throw new commander_1.InvalidArgumentError('give a positive whole number');
    return n;
}
const out = (line) => {
    process.stdout.write(`${line}\n`);
};
/** A one-line bar redrawn in place on a terminal; silent when stderr is not a terminal. */
function progressBar(label) {
    const tty = process.stderr.isTTY === true;
    let drawn = false;
    return {
        draw(done, total, detail) {
            if (!tty)
                return;
            const width = 30;
            const ratio = total > 0 ? Math.min(1, done / total) : 0;
            const filled = Math.round(ratio * width);
            process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${done}/${total} ${detail}\x1b[K`);
            drawn = true;
        },
        end() {
            if (drawn)
                process.stderr.write('\n');
        },
    };
}
/** Polls `query` until `result` settles, drawing the bar. */
async function follow(result, query, draw) {
    let finished = false;
    const polling = (async () => {
        while (!finished) {
            try {
                draw(await query());
            }
            catch {
                // The run may be between continue-as-new runs or not picked up by a worker yet: try again.
            }
            await new Promise((resolve) => setTimeout(resolve, 250));
        }
    })();
    try {
        return await result;
    }
    finally {
        finished = true;
        await polling;
    }
}
function printSettlement(result) {
    if (result.outcome === 'file_rejected') {
        out(`batch ${result.batchKey}: file refused (${result.reason}); nothing was settled.`);
        out(`  ${client_2.FILE_REJECTION_REASONS[result.reason]}`);
        process.exitCode = EXIT_FILE_REFUSED;
        return;
    }
    out(`batch ${result.batchKey} of merchant ${result.merchantId}: ${result.records} records, ${result.accepted} settled, ${result.rejected} rejected`);
    out(`  settled e-Cash ${(0, client_2.formatMoney)(BigInt(result.settledMinor.ecash))}, Food Voucher ${(0, client_2.formatMoney)(BigInt(result.settledMinor.food))}`);
    for (const [reason, count] of Object.entries(result.rejectedByReason)) {
        out(`  ${count} × ${reason}: ${client_2.RECORD_REJECTION_REASONS[reason]}`);
    }
    for (const r of result.rejections) {
        out(`  record ${r.index}: ${r.reason} (card ${r.csn}, ATC ${r.atc}, ${(0, client_2.formatMoney)(BigInt(r.amountMinor))}, SAM ${r.samId} #${r.samSeq})`);
    }
    if (result.moreRejections)
        out('  … more rejected records: see the portal.');
    if (result.rejected > 0)
        process.exitCode = EXIT_SOME_REFUSED;
}
function printVouchers(result) {
    if (result.outcome === 'file_rejected') {
        out(`voucher file refused (${result.reason}); nothing was issued.`);
        out(`  ${client_2.VOUCHER_FILE_REJECTIONS[result.reason]}`);
        process.exitCode = EXIT_FILE_REFUSED;
        return;
    }
    out(`${result.rows} rows: ${result.issued} vouchers issued (${(0, client_2.formatMoney)(BigInt(result.issuedMinor))}), ${result.alreadyIssued} issued before, ${result.rejected} rejected`);
    for (const r of result.rejections)
        out(`  line ${r.line}: ${r.reason} — ${client_2.VOUCHER_ROW_REJECTIONS[r.reason]}  [${r.text}]`);
    if (result.moreRejections)
        out('  … more rejected rows.');
    if (result.rejected > 0)
        process.exitCode = EXIT_SOME_REFUSED;
}
async function payouts(e, options) {
    const db = (0, knex_1.default)({ client: 'pg', connection: e.databaseUrl, pool: { min: 0, max: 4 } });
    const ledger = (0, ledger_1.createLedger)(db, { batching: false });
    try {
        const amountMinor = options.amount === undefined ? undefined : (0, ledger_1.parseAmount)(options.amount, 2);
        const reference = options.reference ?? `payout-${new Date().toISOString().slice(0, 10)}`;
        const merchants = options.merchant ? [options.merchant] : await db('registry_merchants').orderBy('id').pluck('id');
        for (const merchantId of merchants) {
            const payout = await (0, workflows_1.payOutMerchant)({ db, ledger }, { merchantId, reference, amountMinor });
            const amount = (0, client_2.formatMoney)(payout.amountMinor);
            const what = payout.outcome === 'paid' ? `paid ${amount}` : payout.outcome === 'already_paid' ? `already paid ${amount} under this reference` : 'nothing to pay';
            out(`${merchantId}: ${what} (reference ${payout.reference}, transfer ${payout.transferId})`);
        }
    }
    finally {
        await ledger.close();
        await db.destroy();
    }
}
function findOrAdd(program, name, description) {
    return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}
function registerSettlementCommands(program) {
    const settlement = findOrAdd(program, 'settlement', 'settle merchants\' .estb files');
    settlement
        .command('upload')
        .description('upload a Transfer card\'s .estb file and settle it (uploading the same file again shows the first result)')
        .argument('<file>', 'the .estb file exported from the Transfer card')
        .requiredOption('--merchant <id>', 'the merchant uploading the file')
        .option('--chunk-records <n>', 'records per chunk activity', positiveInteger)
        .option('--task-queue <name>', 'the server worker\'s task queue', client_2.DEFAULT_SERVER_TASK_QUEUE)
        .action(async (file, options) => {
        const e = endpoints();
        await withClient(e, async (client) => {
            const started = await (0, client_2.uploadSettlementFile)(client, { merchantId: options.merchant, file, uploadDir: e.uploadDir, taskQueue: options.taskQueue, chunkRecords: options.chunkRecords });
            out(`${started.started ? 'started' : 'already uploaded:'} ${started.workflowId}`);
            const bar = progressBar('settling');
            const result = await follow((0, client_2.settlementOutcome)(started.handle), () => (0, client_2.settlementProgress)(started.handle), (p) => bar.draw(p.chunksChecked + p.chunksPosted, 2 * p.chunkCount, `${p.phase} · ${p.accepted} accepted · ${p.rejected} rejected`));
            bar.end();
            printSettlement(result);
        });
    });
    const vouchers = findOrAdd(program, 'vouchers', 'issue food vouchers');
    vouchers
        .command('issue')
        .description('issue food vouchers from a CSV file `customer_id,amount` (running the same file again issues only what is missing)')
        .argument('<file>', 'the CSV file')
        .option('--rows-per-chunk <n>', 'rows per chunk activity', positiveInteger)
        .option('--task-queue <name>', 'the server worker\'s task queue', client_2.DEFAULT_SERVER_TASK_QUEUE)
        .action(async (file, options) => {
        const e = endpoints();
        await withClient(e, async (client) => {
            const handle = await (0, client_2.startVoucherIssuance)(client, { file, uploadDir: e.uploadDir, taskQueue: options.taskQueue, rowsPerChunk: options.rowsPerChunk });
            const bar = progressBar('vouchers');
            const result = await follow((0, client_2.voucherIssuanceOutcome)(handle), () => (0, client_2.voucherProgress)(handle), (p) => bar.draw(p.processedRows, p.totalRows, `· ${p.issued} issued · ${p.rejected} rejected`));
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
        .action(async (options) => {
        await payouts(endpoints(), options);
    });
}
