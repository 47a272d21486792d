"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
// Benchmark: settlement throughput end to end — a merchant's `.estb` file of N records uploaded,
// verified (streaming), decided chunk by chunk against the registry and earlier settlements,
// reserved and posted in the ledger, through the real Temporal dev server and PostgreSQL
// (issue 5: goal ≥ 20,000 settled records/s for a 100,000-record file).
//
//   node dist/bench/settlement.js            100,000 records
//   node dist/bench/settlement.js --quick    20,000 records
const node_crypto_1 = require("node:crypto");
const fs = __importStar(require("node:fs"));
const os = __importStar(require("node:os"));
const path = __importStar(require("node:path"));
const client_1 = require("@temporalio/client");
const worker_1 = require("@temporalio/worker");
const card_driver_1 = require("../card-driver");
const ledger_1 = require("../ledger");
const workflows_1 = require("../workflows");
const client_2 = require("../workflows/client");
const registry_1 = require("../workflows/registry");
const postgres_1 = require("../test-support/postgres");
const temporal_1 = require("../test-support/temporal");
const CARDS = 2_000;
const SAM = (0, card_driver_1.parseSamId)('53414D0000000001');
const AMOUNT = 100n;
function csnOf(i) {
    return (0, card_driver_1.csnWithCheckDigit)(`607199${String(i).padStart(9, '0')}`);
}
function generate(file, records, transferCardHex) {
    const keys = (0, card_driver_1.testKeyStore)();
    const transferCardId = (0, card_driver_1.parseTransferCardId)(transferCardHex);
    const writer = new card_driver_1.EstbFileWriter(file, { transferCardId, batchSeq: 1, recordCount: records, created: 1_790_000_000 }, keys.transferCardKey(transferCardId));
    const record = Buffer.alloc(48);
    for (let i = 0; i < records; i++) {
        const csn = csnOf(i % CARDS);
        const atc = Math.floor(i / CARDS) + 1;
        const proof = { csn, atc, purse: card_driver_1.PURSE.ecash, amount: AMOUNT, newBalance: 900000n, samId: SAM, samSeq: i + 1 };
        (0, card_driver_1.purchaseFields)(proof).copy(record, 0);
        record.writeUInt32BE(1_790_000_000 + i, 31);
        (0, card_driver_1.computePurchaseMac)(keys.cardPurchaseKey(csn), proof).copy(record, 35);
        (0, card_driver_1.computeSamMac)(keys.samKey(SAM), record.subarray(0, 39)).copy(record, 39);
        writer.write(Buffer.from(record));
    }
    writer.finish();
}
async function main() {
    const records = process.argv.includes('--quick') ? 20_000 : 100_000;
    const address = process.env.TEMPORAL_ADDRESS;
    if (!address || !process.env.DATABASE_URL)
        throw new Error('TEMPORAL_ADDRESS and DATABASE_URL must be set (purseflow services up writes them to .data/services.env).');
    (0, temporal_1.quietTemporalRuntime)();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'purseflow-bench-settle-'));
    const database = await (0, postgres_1.createTestDatabase)('bench_settlement', { min: 0, max: 16 });
    const db = database.db;
    const transferCardHex = `54${(0, node_crypto_1.randomBytes)(7).toString('hex').toUpperCase()}`;
    try {
        await (0, ledger_1.migrateLedger)(db);
        await (0, registry_1.migrateRegistry)(db);
        await (0, workflows_1.migrateSettlement)(db);
        const ledger = (0, ledger_1.createLedger)(db);
        const registry = new registry_1.Registry({ knex: db, ledger });
        await registry.ensurePlatformAccounts();
        await registry.enrolCustomer({ id: 'bench', name: 'Bench' });
        await registry.enrolMerchant({ id: 'shop', name: 'Shop', foodEligible: true });
        await registry.addSam({ samId: SAM, merchantId: 'shop' });
        await registry.addTransferCard({ transferCardId: transferCardHex, merchantId: 'shop' });
        // Cards and their loads in bulk: the registry's one-card calls would dominate the set-up.
        const csns = Array.from({ length: CARDS }, (_, i) => csnOf(i));
        await db.batchInsert('registry_cards', csns.map((csn) => ({ csn, customer_id: 'bench' })), 1000);
        const loaded = (AMOUNT * BigInt(Math.ceil(records / CARDS))).toString();
        await db.batchInsert('registry_card_purses', csns.flatMap((csn) => [{ csn, purse: 'ecash', loaded_minor: loaded }, { csn, purse: 'food' }]), 1000);
        const file = path.join(dir, 'batch.estb');
        const t0 = Date.now();
        generate(file, records, transferCardHex);
        process.stderr.write(`generated ${records} records in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
        const nativeConnection = await worker_1.NativeConnection.connect({ address });
        const connection = await client_1.Connection.connect({ address });
        const taskQueue = `bench-settlement-${(0, node_crypto_1.randomBytes)(4).toString('hex')}`;
        const worker = await worker_1.Worker.create({
            connection: nativeConnection,
            taskQueue,
            workflowBundle: await (0, worker_1.bundleWorkflowCode)({ workflowsPath: require.resolve('../workflows/settlement/settlement-workflow') }),
            activities: (0, workflows_1.createSettlementActivities)({ db, ledger, keys: (0, card_driver_1.testKeyStore)() }),
        });
        const running = worker.run();
        try {
            const client = new client_1.Client({ connection });
            const started = process.hrtime.bigint();
            const upload = await (0, client_2.uploadSettlementFile)(client, { merchantId: 'shop', file, uploadDir: path.join(dir, 'uploads'), taskQueue });
            const result = await (0, client_2.settlementOutcome)(upload.handle);
            const seconds = Number(process.hrtime.bigint() - started) / 1e9;
            if (result.outcome !== 'settled' || result.accepted !== records)
                throw new Error(`the bench file did not settle whole: ${JSON.stringify(result).slice(0, 400)}`);
            process.stdout.write(`bench flows.settle.records_per_s ${Math.round(records / seconds)} records/s\n`);
            process.stderr.write(`(${records} records settled in ${seconds.toFixed(2)} s)\n`);
        }
        finally {
            worker.shutdown();
            await running;
            await ledger.close();
            await connection.close();
            await nativeConnection.close();
        }
    }
    finally {
        await database.drop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
main().catch((err) => {
    process.stderr.write(`bench settlement: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
});
