// The settlement file seen chunk by chunk (settlement/settlement-file.ts): a chunk step verifies
// only its own records, yet each record must get exactly the proof a reading of the whole file gives
// it, and a chunk decides only the bytes the file pass proved.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  computePurchaseMac,
  computeSamMac,
  csnWithCheckDigit,
  encodeEstbFile,
  parseSamId,
  parseTransferCardId,
  purchaseFields,
  PURSE,
  readEstbBlocks,
  scanEstb,
  testKeyStore,
  type Csn,
  type SamId,
} from '../../card-driver';
import { proofOf } from '../settlement/record-proof';
import { ChunkPlanner, readChunkRecords, StoredFileError } from '../settlement/settlement-file';
import type { RecordProof } from '../settlement/record-verdict';

const keys = testKeyStore();
const TRANSFER_CARD = parseTransferCardId('5400000000000F11');
const SAM_A = parseSamId('53414D0000000A01');
const SAM_B = parseSamId('53414D0000000B01');

interface Purchase {
  sam: SamId;
  seq: number;
  card?: number;
  tamper?: 'macp' | 'macs' | 'zero_amount';
}

function record(p: Purchase, i: number): Buffer {
  const csn: Csn = csnWithCheckDigit(`60719900000${String(p.card ?? i % 5).padStart(4, '0')}`);
  const proof = { csn, atc: i + 1, purse: PURSE.ecash, amount: 100n, newBalance: 10_000n, samId: p.sam, samSeq: p.seq };
  const b = Buffer.alloc(48);
  purchaseFields(proof).copy(b, 0);
  b.writeUInt32BE(1_790_000_000 + i, 31);
  computePurchaseMac(keys.cardPurchaseKey(csn), proof).copy(b, 35);
  if (p.tamper === 'macp') b[35] ^= 1;
  if (p.tamper === 'zero_amount') b.writeUInt32BE(0, 11);
  computeSamMac(keys.samKey(p.sam), b.subarray(0, 39)).copy(b, 39);
  if (p.tamper === 'macs') b[39] ^= 1;
  return b;
}

// Two SAMs whose sequence numbers repeat within and across any chunk boundary, go back, jump;
// forged MACs and a zero amount beside them (a forged record still moves its SAM's highest number,
// as card-driver's reader has it).
const purchases: Purchase[] = [
  ...Array.from({ length: 12 }, (_, i): Purchase => ({ sam: SAM_A, seq: 10 + i })),
  { sam: SAM_B, seq: 5 },
  { sam: SAM_A, seq: 15 }, // repeated (A reached 21)
  { sam: SAM_B, seq: 6, tamper: 'macs' },
  { sam: SAM_B, seq: 6 }, // repeated after a forged record took 6
  { sam: SAM_A, seq: 22, tamper: 'macp' },
  { sam: SAM_A, seq: 40 },
  { sam: SAM_A, seq: 30 }, // went back
  { sam: SAM_B, seq: 7, tamper: 'zero_amount' },
  ...Array.from({ length: 9 }, (_, i): Purchase => ({ sam: i % 2 === 0 ? SAM_A : SAM_B, seq: 41 + i })),
  { sam: SAM_A, seq: 10 }, // the file's first purchase again
  { sam: SAM_B, seq: 100 },
];

let dir: string;
let file: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'settlement-file-'));
  file = path.join(dir, 'batch.estb');
  fs.writeFileSync(file, encodeEstbFile({ transferCardId: TRANSFER_CARD, batchSeq: 1, created: 1_790_000_000 }, purchases.map(record), keys.transferCardKey(TRANSFER_CARD)));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function wholeFileProofs(): Promise<RecordProof[]> {
  const proofs: RecordProof[] = [];
  for await (const event of readEstbBlocks(file, { keys })) {
    if (event.kind === 'records') for (const v of event.verdicts) proofs.push(proofOf(v.reasons));
  }
  return proofs;
}

async function planned(chunkRecords: number) {
  const planner = new ChunkPlanner(chunkRecords);
  const scan = await scanEstb(file, keys, (first, block) => planner.add(first, block));
  return { scan, plans: planner.finish() };
}

it('gives every record, chunk by chunk, the proof a reading of the whole file gives it, whatever the chunk size', async () => {
  const whole = await wholeFileProofs();
  expect(whole.filter((p) => p === 'duplicate_in_file')).toHaveLength(4);
  expect(new Set(whole)).toEqual(new Set(['valid', 'duplicate_in_file', 'sam_mac_invalid', 'card_mac_invalid', 'malformed_record']));
  for (const chunkRecords of [1, 2, 7, 13, 16, purchases.length, 1000]) {
    const { scan, plans } = await planned(chunkRecords);
    expect(scan).toMatchObject({ fileAccepted: true, records: purchases.length });
    expect(plans).toHaveLength(Math.ceil(purchases.length / chunkRecords));
    const byChunks: RecordProof[] = [];
    for (const plan of plans) {
      const from = plan.chunkIndex * chunkRecords;
      const to = Math.min(from + chunkRecords, purchases.length);
      const records = await readChunkRecords(file, plan, from, to, keys);
      expect(records.map((r) => r.index)).toEqual(Array.from({ length: to - from }, (_, i) => from + i));
      byChunks.push(...records.map((r) => r.proof));
    }
    expect({ chunkRecords, proofs: byChunks }).toEqual({ chunkRecords, proofs: whole });
  }
});

it('refuses, retryably, to decide a chunk whose stored bytes are not the ones the file pass proved', async () => {
  const { plans } = await planned(10);
  const altered = path.join(dir, 'altered.estb');
  const bytes = fs.readFileSync(file);
  bytes[32 + 48 * 12 + 3] ^= 1; // record 12, in chunk 1
  fs.writeFileSync(altered, bytes);
  await expect(readChunkRecords(altered, plans[0], 0, 10, keys)).resolves.toHaveLength(10);
  const refusal = readChunkRecords(altered, plans[1], 10, 20, keys);
  await expect(refusal).rejects.toBeInstanceOf(StoredFileError);
  await expect(refusal).rejects.toMatchObject({ code: 'file_changed' });
  await expect(readChunkRecords(path.join(dir, 'gone.estb'), plans[0], 0, 10, keys)).rejects.toMatchObject({ code: 'upload_unreadable' });
});

it('proves the file MAC in the file pass without checking a record', async () => {
  const tampered = path.join(dir, 'tampered.estb');
  const bytes = fs.readFileSync(file);
  bytes[bytes.length - 1] ^= 1;
  fs.writeFileSync(tampered, bytes);
  await expect(scanEstb(tampered, keys)).resolves.toMatchObject({ fileAccepted: false, records: purchases.length });
  fs.writeFileSync(tampered, bytes.subarray(0, bytes.length - 9));
  await expect(scanEstb(tampered, keys)).rejects.toMatchObject({ code: 'truncated' });
  fs.writeFileSync(tampered, Buffer.concat([fs.readFileSync(file), Buffer.alloc(48)]));
  await expect(scanEstb(tampered, keys)).rejects.toMatchObject({ code: 'trailing_bytes' });
});
