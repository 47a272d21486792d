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
// Benchmark: streaming `.estb` verification — records per second on one core, and peak memory
// (RSS and heap) while verifying a 1,000,000-record file (goals: ≥ 50,000 records/s, ≤ 100 MB).
//
//   node dist/bench/card-estb.js            1,000,000 records
//   node dist/bench/card-estb.js --quick    100,000 records
//
// The file is generated into a temporary directory first; verification then runs in a fresh
// child process so that the peak memory measured is the verifier's alone.
const node_child_process_1 = require("node:child_process");
const fs = __importStar(require("node:fs"));
const os = __importStar(require("node:os"));
const path = __importStar(require("node:path"));
const card_driver_1 = require("../card-driver");
// A large merchant's batch: many purchases by a few thousand regular customers.
const CARDS = 5_000;
const SAMS = 16;
function generate(file, records) {
    const keys = (0, card_driver_1.testKeyStore)();
    const transferCardId = (0, card_driver_1.parseTransferCardId)('5452414E53000003');
    const writer = new card_driver_1.EstbFileWriter(file, { transferCardId, batchSeq: 1, recordCount: records, created: 1_790_000_000 }, keys.transferCardKey(transferCardId));
    const sams = Array.from({ length: SAMS }, (_, i) => (0, card_driver_1.parseSamId)(`53414D00${String(i).padStart(8, '0')}`));
    const atcs = new Map();
    const record = Buffer.alloc(48);
    for (let i = 0; i < records; i++) {
        const csn = (0, card_driver_1.csnWithCheckDigit)(`607100${String(i % CARDS).padStart(9, '0')}`);
        const atc = (atcs.get(csn) ?? 0) + 1;
        atcs.set(csn, atc);
        const samIndex = i % SAMS;
        const samId = sams[samIndex];
        const samSeq = Math.floor(i / SAMS) + 1;
        const proof = { csn, atc, purse: card_driver_1.PURSE.ecash, amount: 100n, newBalance: 900000n, samId, samSeq };
        (0, card_driver_1.purchaseFields)(proof).copy(record, 0);
        record.writeUInt32BE(1_790_000_000 + i, 31);
        (0, card_driver_1.computePurchaseMac)(keys.cardPurchaseKey(csn), proof).copy(record, 35);
        (0, card_driver_1.computeSamMac)(keys.samKey(samId), record.subarray(0, 39)).copy(record, 39);
        writer.write(Buffer.from(record));
    }
    writer.finish();
}
async function verify(file) {
    const keys = (0, card_driver_1.testKeyStore)();
    let peakRss = 0;
    let peakHeap = 0;
    const sample = () => {
        const m = process.memoryUsage();
        peakRss = Math.max(peakRss, m.rss);
        peakHeap = Math.max(peakHeap, m.heapUsed);
    };
    const timer = setInterval(sample, 20);
    const started = process.hrtime.bigint();
    const summary = await (0, card_driver_1.verifyEstb)(file, { keys }, (index) => {
        if (index % 10_000 === 0)
            sample();
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    clearInterval(timer);
    sample();
    if (!summary.fileAccepted || summary.rejectedRecords !== 0) {
        throw new Error(`The generated file did not verify: ${JSON.stringify({ ...summary, header: undefined })}`);
    }
    process.stdout.write(JSON.stringify({ records: summary.records, seconds, peakRss, peakHeap }) + '\n');
}
async function main() {
    const args = process.argv.slice(2);
    const verifyIndex = args.indexOf('--verify');
    if (verifyIndex >= 0)
        return verify(args[verifyIndex + 1]);
    const records = args.includes('--quick') ? 100_000 : 1_000_000;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'purseflow-bench-estb-'));
    const file = path.join(dir, 'batch.estb');
    try {
        const t0 = Date.now();
        generate(file, records);
        process.stderr.write(`generated ${records} records (${(fs.statSync(file).size / 1e6).toFixed(1)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
        const child = (0, node_child_process_1.spawnSync)(process.execPath, [__filename, '--verify', file], { encoding: 'utf8' });
        if (child.status !== 0)
            throw new Error(`verification failed: ${child.stderr}`);
        const result = JSON.parse(child.stdout.trim().split('\n').pop());
        const mb = (bytes) => (bytes / (1024 * 1024)).toFixed(1);
        process.stdout.write(`bench card.estb.records_per_s ${Math.round(result.records / result.seconds)} records/s\n`);
        process.stdout.write(`bench card.estb.peak_mb ${mb(result.peakRss)} MB\n`);
        process.stderr.write(`(${result.records} records in ${result.seconds.toFixed(2)} s; peak RSS ${mb(result.peakRss)} MB, peak heap ${mb(result.peakHeap)} MB)\n`);
    }
    finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
main().catch((err) => {
    process.stderr.write(`bench card-estb: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
});
