// Benchmark: streaming `.estb` verification — records per second on one core, and peak memory
// (RSS and heap) while verifying a 1,000,000-record file (goals: ≥ 50,000 records/s, ≤ 100 MB).
//
// records/s is records per CPU-second of the verifying process (one core; the wall-clock rate is
// printed beside it on stderr, and equals it on an idle machine).
//
//   node dist/bench/card-estb.js            1,000,000 records
//   node dist/bench/card-estb.js --quick    100,000 records
//
// The file is generated into a temporary directory first; verification then runs in a fresh
// child process, with the server worker's node flags (SERVER_WORKER_NODE_FLAGS), so that the peak
// memory measured is the verifier's alone. Those flags load OpenSSL's single DES (the MAC chains'
// cipher) and keep V8's young generation at 1 MB: the verifier allocates many short-lived objects
// (Node creates a cipher object per session key), and a young generation left at its 16 MB
// default costs ≈ 48 MB of RSS before it helps. The figures without each flag are printed too.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  computePurchaseMac,
  computeSamMac,
  csnWithCheckDigit,
  EstbFileWriter,
  parseSamId,
  parseTransferCardId,
  purchaseFields,
  PURSE,
  testKeyStore,
  verifyEstb,
  type Csn,
} from '../card-driver';

// A large merchant's batch: many purchases by a few thousand regular customers.
const CARDS = 5_000;
const SAMS = 16;

function generate(file: string, records: number): void {
  const keys = testKeyStore();
  const transferCardId = parseTransferCardId('5452414E53000003');
  const writer = new EstbFileWriter(file, { transferCardId, batchSeq: 1, recordCount: records, created: 1_790_000_000 }, keys.transferCardKey(transferCardId));
  const sams = Array.from({ length: SAMS }, (_, i) => parseSamId(`53414D00${String(i).padStart(8, '0')}`));
  const atcs = new Map<string, number>();
  const record = Buffer.alloc(48);
  for (let i = 0; i < records; i++) {
    const csn: Csn = csnWithCheckDigit(`607100${String(i % CARDS).padStart(9, '0')}`);
    const atc = (atcs.get(csn) ?? 0) + 1;
    atcs.set(csn, atc);
    const samIndex = i % SAMS;
    const samId = sams[samIndex];
    const samSeq = Math.floor(i / SAMS) + 1;
    const proof = { csn, atc, purse: PURSE.ecash, amount: 100n, newBalance: 900_000n, samId, samSeq };
    purchaseFields(proof).copy(record, 0);
    record.writeUInt32BE(1_790_000_000 + i, 31);
    computePurchaseMac(keys.cardPurchaseKey(csn), proof).copy(record, 35);
    computeSamMac(keys.samKey(samId), record.subarray(0, 39)).copy(record, 39);
    writer.write(Buffer.from(record));
  }
  writer.finish();
}

async function verify(file: string): Promise<void> {
  const keys = testKeyStore();
  let peakRss = 0;
  let peakHeap = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const timer = setInterval(sample, 20);
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const summary = await verifyEstb(file, { keys }, (index) => {
    if (index % 10_000 === 0) sample();
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  clearInterval(timer);
  sample();
  if (!summary.fileAccepted || summary.rejectedRecords !== 0) {
    throw new Error(`The generated file did not verify: ${JSON.stringify({ ...summary, header: undefined })}`);
  }
  process.stdout.write(JSON.stringify({ records: summary.records, seconds, cpuSeconds, peakRss, peakHeap }) + '\n');
}

interface VerifyFigures {
  records: number;
  /** Wall-clock time. */
  seconds: number;
  /** CPU time of the verifying process: the one-core figure, robust on a shared machine. */
  cpuSeconds: number;
  peakRss: number;
  peakHeap: number;
}

function verifyInChild(file: string, nodeFlags: string[]): VerifyFigures {
  const child = spawnSync(process.execPath, [...nodeFlags, __filename, '--verify', file], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`verification failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as VerifyFigures;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const verifyIndex = args.indexOf('--verify');
  if (verifyIndex >= 0) return verify(args[verifyIndex + 1]);
  // Loaded here, not at the top: the verifying child must not carry the worker's modules in its RSS.
  const { SERVER_WORKER_NODE_FLAGS } = await import('../workflows');
  const records = args.includes('--quick') ? 100_000 : 1_000_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'purseflow-bench-estb-'));
  const file = path.join(dir, 'batch.estb');
  try {
    const t0 = Date.now();
    generate(file, records);
    process.stderr.write(`generated ${records} records (${(fs.statSync(file).size / 1e6).toFixed(1)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    const mb = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(1);
    // The figure that counts is the verifier as the server worker runs it (its node flags); the
    // others show what each flag is worth.
    const worker = verifyInChild(file, [...SERVER_WORKER_NODE_FLAGS]);
    process.stdout.write(`bench card.estb.records_per_s ${Math.round(worker.records / worker.cpuSeconds)} records/s\n`);
    process.stdout.write(`bench card.estb.peak_mb ${mb(worker.peakRss)} MB\n`);
    process.stderr.write(`(${worker.records} records in ${worker.cpuSeconds.toFixed(2)} s of CPU, ${worker.seconds.toFixed(2)} s wall = ${Math.round(worker.records / worker.seconds)} records/s wall; peak RSS ${mb(worker.peakRss)} MB, peak heap ${mb(worker.peakHeap)} MB; node ${SERVER_WORKER_NODE_FLAGS.join(' ')})\n`);
    const ede = verifyInChild(file, SERVER_WORKER_NODE_FLAGS.filter((f) => f !== '--openssl-legacy-provider'));
    process.stdout.write(`bench card.estb.records_per_s_without_single_des ${Math.round(ede.records / ede.cpuSeconds)} records/s\n`);
    const plain = verifyInChild(file, []);
    process.stdout.write(`bench card.estb.records_per_s_default_flags ${Math.round(plain.records / plain.cpuSeconds)} records/s\n`);
    process.stdout.write(`bench card.estb.peak_mb_default_flags ${mb(plain.peakRss)} MB\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench card-estb: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
