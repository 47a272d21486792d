import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import {
  csnWithCheckDigit,
  isCsnBcd,
  parseCsn,
  decodeRecord,
  encodeEstbFile,
  encodeRecord,
  EstbError,
  EstbFileWriter,
  parseTransferCardId,
  readEstb,
  readEstbBlocks,
  runMerchant,
  parseSamId,
  SimulatedCard,
  testKeyStore,
  verifyEstb,
  performOnlineLoad,
  inMemoryChannel,
  PURSE,
  type EstbRecord,
  type MerchantFaults,
} from '../index';
import { hex } from './spec-vectors';

const keys = testKeyStore();
const transferCardId = parseTransferCardId('5452414E53000003');
const samId = parseSamId('53414D0000000007');
const header = { transferCardId, batchSeq: 7, created: 1_790_000_000 };

function pieces(file: Buffer, cuts: number[]): Readable {
  const points = [...new Set(cuts.map((c) => c % (file.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let at = 0;
  for (const p of points) {
    parts.push(file.subarray(at, p));
    at = p;
  }
  parts.push(file.subarray(at));
  return Readable.from(parts.filter((p) => p.length > 0));
}

async function events(source: Readable | string) {
  const out = [];
  for await (const e of readEstb(source, { keys })) out.push(e);
  return out;
}

async function estbError(source: Readable | string): Promise<EstbError> {
  try {
    await events(source);
  } catch (err) {
    expect(err).toBeInstanceOf(EstbError);
    return err as EstbError;
  }
  throw new Error('expected the file to be refused');
}

const recordArb: fc.Arbitrary<EstbRecord> = fc.record({
  csn: fc.stringMatching(/^[0-9]{15}$/).map((d) => csnWithCheckDigit(d) as string),
  atc: fc.integer({ min: 1, max: 0xffff }),
  purse: fc.constantFrom(1, 2),
  amount: fc.bigInt({ min: 1n, max: 0xffffffffn }),
  balanceAfter: fc.bigInt({ min: 0n, max: 0xffffffffn }),
  samId: fc.constant(samId as string),
  samSeq: fc.integer({ min: 0, max: 0xffffffff }),
  time: fc.integer({ min: 0, max: 0xffffffff }),
  macp: fc.uint8Array({ minLength: 4, maxLength: 4 }).map((a) => Buffer.from(a)),
  macs: fc.uint8Array({ minLength: 4, maxLength: 4 }).map((a) => Buffer.from(a)),
});

describe('.estb write → read round trip', () => {
  test('any records, cut into any chunks, read back field for field', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(recordArb, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 8 }), async (records, cuts) => {
        const file = encodeEstbFile(header, records.map(encodeRecord), keys.transferCardKey(transferCardId));
        const got = await events(pieces(file, cuts));
        expect(got[0]).toEqual({ kind: 'header', header: { ...header, recordCount: records.length } });
        expect(got.filter((e) => e.kind === 'record').map((e) => e.kind === 'record' && e.record)).toEqual(records);
        expect(got[got.length - 1]).toMatchObject({ kind: 'end', fileAccepted: true, records: records.length });
      }),
      { numRuns: 60 },
    );
  });

  test('the streaming writer writes the same bytes as the in-memory encoder', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'purseflow-estb-'));
    try {
      const records = fc.sample(recordArb, 50).map(encodeRecord);
      const file = path.join(dir, 'b.estb');
      const writer = new EstbFileWriter(file, { ...header, recordCount: records.length }, keys.transferCardKey(transferCardId));
      records.forEach((r) => writer.write(r));
      writer.finish();
      expect(fs.readFileSync(file)).toEqual(encodeEstbFile(header, records, keys.transferCardKey(transferCardId)));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the streaming writer refuses to finish short of the announced count', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'purseflow-estb-'));
    try {
      const writer = new EstbFileWriter(path.join(dir, 'b.estb'), { ...header, recordCount: 2 }, keys.transferCardKey(transferCardId));
      writer.write(encodeRecord(fc.sample(recordArb, 1)[0]));
      expect(() => writer.finish()).toThrow(expect.objectContaining({ code: 'record_count_mismatch' }));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('files that cannot be read are refused whole, with a typed error', () => {
  const file = encodeEstbFile(header, fc.sample(recordArb, 3).map(encodeRecord), keys.transferCardKey(transferCardId));

  test('empty file: too_short', async () => {
    expect((await estbError(Readable.from([Buffer.alloc(0)]))).code).toBe('too_short');
  });
  test('not ESTB: bad_magic', async () => {
    expect((await estbError(Readable.from([Buffer.concat([Buffer.from('ZSTB'), file.subarray(4)])]))).code).toBe('bad_magic');
  });
  test('version 2: unsupported_version', async () => {
    const v2 = Buffer.from(file);
    v2[4] = 2;
    expect((await estbError(Readable.from([v2]))).code).toBe('unsupported_version');
  });
  test('non-zero header padding: header_padding', async () => {
    const bad = Buffer.from(file);
    bad[31] = 1;
    expect((await estbError(Readable.from([bad]))).code).toBe('header_padding');
  });
  test('cut inside a record: truncated', async () => {
    expect((await estbError(Readable.from([file.subarray(0, 32 + 48 + 20)]))).code).toBe('truncated');
  });
  test('cut inside the MAC: truncated', async () => {
    expect((await estbError(Readable.from([file.subarray(0, file.length - 3)]))).code).toBe('truncated');
  });
  test('bytes beyond the MAC: trailing_bytes', async () => {
    expect((await estbError(Readable.from([Buffer.concat([file, Buffer.alloc(50)])]))).code).toBe('trailing_bytes');
  });
  test('a missing path: file_unreadable', async () => {
    expect((await estbError('/nonexistent/dir/batch.estb')).code).toBe('file_unreadable');
  });
  test('fuzzed bytes never crash the reader: each gives events or an EstbError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), fc.boolean(), async (bytes, withMagic) => {
        const input = withMagic ? Buffer.concat([file.subarray(0, 5), Buffer.from(bytes)]) : Buffer.from(bytes);
        try {
          await events(Readable.from([input]));
        } catch (err) {
          expect(err).toBeInstanceOf(EstbError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('record verdicts from a simulated merchant', () => {
  const cards = ['607100000000101', '607100000000102'].map((d) => SimulatedCard.issue(keys, csnWithCheckDigit(d)));
  beforeAll(async () => {
    for (const card of cards) {
      await performOnlineLoad(inMemoryChannel(card), keys, { purse: PURSE.ecash, amount: 100_000n });
      await performOnlineLoad(inMemoryChannel(card), keys, { purse: PURSE.food, amount: 100_000n });
    }
  });
  const merchant = { samIds: new Set<string>([samId]), transferCardIds: new Set<string>([transferCardId]), acceptsFoodVouchers: false };

  async function run(faults: MerchantFaults) {
    const result = runMerchant(keys, cards, { samId, transferCardId, amount: 150n, purchases: 4, faults, now: () => 1_790_000_000 });
    const verdicts: string[][] = [];
    const summary = await verifyEstb(Readable.from([result.file]), { keys, merchant }, (_i, _r, v) => verdicts.push(v.reasons));
    return { result, summary, verdicts };
  }

  test('blocks hand out the same records and verdicts as single-record events, in order', async () => {
    const { result } = await run({ tamperPurchaseMacs: 1, tamperSamMacs: 1, replayRecords: 1 });
    const single: { index: number; csn: string; reasons: string[] }[] = [];
    for await (const e of readEstb(Readable.from([result.file]), { keys, merchant })) {
      if (e.kind === 'record') single.push({ index: e.index, csn: e.record.csn, reasons: e.verdict.reasons });
    }
    const blocked: typeof single = [];
    for await (const e of readEstbBlocks(Readable.from([result.file]), { keys, merchant })) {
      if (e.kind === 'records') e.records.forEach((r, i) => blocked.push({ index: e.first + i, csn: r.csn, reasons: e.verdicts[i].reasons }));
    }
    expect(blocked).toEqual(single);
    expect(single.map((s) => s.index)).toEqual([0, 1, 2, 3, 4]);
  });

  test('a clean file: every record accepted', async () => {
    const { summary } = await run({});
    expect(summary).toMatchObject({ fileAccepted: true, records: 4, acceptedRecords: 4 });
  });

  test('a tampered MACP is purchase_mac_invalid (the SAM re-signed it)', async () => {
    const { verdicts } = await run({ tamperPurchaseMacs: 1 });
    expect(verdicts[0]).toEqual(['purchase_mac_invalid']);
    expect(verdicts.slice(1).every((v) => v.length === 0)).toBe(true);
  });

  test('a tampered MACS is sam_mac_invalid', async () => {
    const { verdicts } = await run({ tamperSamMacs: 1 });
    expect(verdicts[3]).toEqual(['sam_mac_invalid']);
  });

  test('a replayed record is sam_seq_repeated', async () => {
    const { verdicts } = await run({ replayRecords: 1 });
    expect(verdicts[4]).toEqual(['sam_seq_repeated']);
  });

  test("another merchant's SAM is sam_not_of_merchant", async () => {
    const { verdicts } = await run({ foreignSamPurchases: 1 });
    expect(verdicts[4]).toEqual(['sam_not_of_merchant']);
  });

  test('food vouchers at a non-food merchant are food_not_accepted', async () => {
    const { verdicts } = await run({ foodPurchases: 1 });
    expect(verdicts[4]).toEqual(['food_not_accepted']);
  });

  test('a tampered file MAC rejects the file whole', async () => {
    const { summary } = await run({ tamperFileMac: true });
    expect(summary).toMatchObject({ fileAccepted: false, fileRejections: ['file_mac_invalid'] });
  });

  test("another merchant's Transfer card rejects the file whole", async () => {
    const result = runMerchant(keys, cards, { samId, transferCardId: parseTransferCardId('5452414E530000FF'), amount: 1n, purchases: 1 });
    const summary = await verifyEstb(Readable.from([result.file]), { keys, merchant });
    expect(summary.fileRejections).toEqual(['transfer_card_not_of_merchant']);
  });

  test('a truncated file is refused as truncated', async () => {
    const { file } = runMerchant(keys, cards, { samId, transferCardId, amount: 1n, purchases: 2, faults: { truncateBytes: 30 } });
    expect((await estbError(Readable.from([file]))).code).toBe('truncated');
  });

  test('a record with a bad CSN, an unknown purse, amount 0 and dirty padding gets each reason', async () => {
    const good = decodeRecord(runMerchant(keys, cards, { samId, transferCardId, amount: 1n, purchases: 1 }).file.subarray(32, 80));
    const valid = csnWithCheckDigit('607100000000010');
    const wrongCheckDigit = valid.slice(0, 15) + String((Number(valid[15]) + 1) % 10);
    const bad = encodeRecord({ ...good, csn: wrongCheckDigit, purse: 3, amount: 0n });
    bad[47] = 1;
    const file = encodeEstbFile(header, [bad], keys.transferCardKey(transferCardId));
    const reasons: string[] = [];
    await verifyEstb(Readable.from([file]), { keys }, (_i, _r, v) => reasons.push(...v.reasons));
    expect(reasons).toEqual(expect.arrayContaining(['csn_invalid', 'purse_unknown', 'amount_zero', 'padding_not_zero', 'sam_mac_invalid']));
  });
});

test('the reader reads from a path as well as from a stream', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'purseflow-estb-'));
  try {
    const file = path.join(dir, 'v.estb');
    fs.writeFileSync(file, hex('45535442015452414E5300000300000005000000016AB149900000000000000060710000000000190003010000109A0000510E53414D0000000007000000116AB13B803D54AE97DE9C588B0000000000064E4E3AABAD4EF3'));
    expect(await verifyEstb(file, { keys })).toMatchObject({ fileAccepted: true, acceptedRecords: 1 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('the per-record CSN check', () => {
  test('agrees with parseCsn on any 8 bytes (BCD digits and the Luhn digit, without strings)', () => {
    const digitBytes = fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => b.map((x) => ((x >> 4) % 10 << 4) | ((x & 15) % 10)));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ minLength: 8, maxLength: 8 }), digitBytes), (bytes) => {
        const text = Buffer.from(bytes).toString('hex');
        let viaText: boolean;
        try {
          parseCsn(text);
          viaText = true;
        } catch {
          viaText = false;
        }
        expect(isCsnBcd(bytes, 0)).toBe(viaText);
      }),
      { numRuns: 2000 },
    );
  });

  test('reads the CSN at an offset inside a block', () => {
    const block = Buffer.concat([Buffer.alloc(48, 0xff), hex('6071000000000019')]);
    expect(isCsnBcd(block, 48)).toBe(true);
    expect(isCsnBcd(block, 0)).toBe(false);
  });
});
