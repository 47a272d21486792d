// The settlement verifier's fast paths (session-key MAC without a key object, MACs read in place,
// SAM MACs batched, cards and SAMs remembered by their bytes) must give exactly what the spec's
// functions give. Each is checked against the vectors and, for any input, against the plain path;
// the verifier's verdicts are checked against the spec's rules written out plainly. The single-DES
// path of the same functions is checked in single-des.test.ts.
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import {
  checkEstbRecords,
  computePurchaseMac,
  computeSamMac,
  csnBcdNumber,
  csnWithCheckDigit,
  encodeEstbFile,
  decodeRecord,
  isCsnBcd,
  pad2,
  parseCsn,
  parseSamId,
  parseTransferCardId,
  purchaseFields,
  purchaseMacAt,
  purseId,
  retailMac,
  retailMac4,
  retailMacBatchAt,
  SecretKey,
  sessionKey,
  sessionRetailMac,
  testKeyStore,
  verifyEstb,
  type Csn,
  type EstbRecord,
  type PurchaseProof,
  type SamId,
} from '../index';
import { hex, toHex, vectors } from './spec-vectors';

const keys = testKeyStore();
const keyArb = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => SecretKey.fromBytes(b, 'k'));
const csnArb = fc.stringMatching(/^[0-9]{15}$/).map((d) => csnWithCheckDigit(d));
const samIdArb = fc.stringMatching(/^[0-9A-F]{16}$/).map((t) => parseSamId(t));

const vectorProof = (): PurchaseProof => {
  const pu = vectors.purchase;
  return {
    csn: parseCsn(vectors.card.CSN),
    atc: pu.ATC,
    purse: purseId(parseInt(pu.purse, 16)),
    amount: BigInt(pu.amount),
    newBalance: BigInt(pu.new_balance),
    samId: parseSamId(pu.SAM_id),
    samSeq: pu.SAM_seq,
  };
};

describe('MAC under a session key without a session key object', () => {
  test('the purchase vector: purchaseMacAt over the record gives MACP', () => {
    const record = hex(vectors.purchase.record);
    const mac = purchaseMacAt(keys.cardPurchaseKey(parseCsn(vectors.card.CSN)), record, 0);
    expect(toHex(mac.subarray(0, 4))).toBe(vectors.purchase.MACP);
    const kp = SecretKey.fromHex(vectors.card.KP, 'KP');
    expect(mac).toEqual(retailMac(sessionKey(kp, vectorProof().atc), Buffer.concat([Buffer.of(4), purchaseFields(vectorProof())])));
  });

  test('purchaseMacAt equals computePurchaseMac for any purchase, at any offset (property)', () => {
    fc.assert(
      fc.property(keyArb, csnArb, samIdArb, fc.integer({ min: 0, max: 0xffff }), fc.nat({ max: 100 }), fc.uint8Array({ minLength: 31, maxLength: 31 }), (kp, csn, samId, atc, at, noise) => {
        const proof: PurchaseProof = { csn, atc, purse: 1, amount: BigInt(noise[0] + 1), newBalance: BigInt(noise[1]), samId, samSeq: noise[2] * 7919 };
        const bytes = Buffer.concat([Buffer.alloc(at, 0xa5), purchaseFields(proof), Buffer.from(noise)]);
        expect(toHex(purchaseMacAt(kp, bytes, at).subarray(0, 4))).toBe(toHex(computePurchaseMac(kp, proof)));
      }),
      { numRuns: 200 },
    );
  });

  test('sessionRetailMac equals retailMac(sessionKey(K, ATC), M) for messages of any length (property)', () => {
    fc.assert(
      fc.property(keyArb, fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 40 }), (k, atc, message) => {
        const padded = pad2(message);
        const head = padded.subarray(0, padded.length - 8);
        const last = padded.subarray(padded.length - 8);
        expect(toHex(sessionRetailMac(k, atc, head, last))).toBe(toHex(retailMac(sessionKey(k, atc), message)));
      }),
      { numRuns: 200 },
    );
  });

  test('the online and offline load session keys give their vector MACs through the same path', () => {
    const kl = keys.cardKeys(parseCsn(vectors.card.CSN)).load;
    const ol = vectors.offline_load;
    const mac3Message = Buffer.concat([Buffer.of(3), hex(vectors.card.CSN), Buffer.from([ol.ATC >> 8, ol.ATC & 0xff]), hex(ol.purse), Buffer.alloc(4)]);
    mac3Message.writeUInt32BE(ol.amount, mac3Message.length - 4);
    const padded = pad2(mac3Message);
    expect(toHex(sessionRetailMac(kl, ol.ATC, padded.subarray(0, padded.length - 8), padded.subarray(padded.length - 8)).subarray(0, 4))).toBe(ol.MAC3);
  });

  test('a derivation input or block of the wrong size is refused with a typed error', () => {
    const k = keys.cardPurchaseKey(parseCsn(vectors.card.CSN));
    expect(() => k.sessionMac(Buffer.alloc(15), Buffer.alloc(8), Buffer.alloc(8))).toThrow(expect.objectContaining({ code: 'block_length' }));
    expect(() => k.sessionMac(Buffer.alloc(16), Buffer.alloc(7), Buffer.alloc(8))).toThrow(expect.objectContaining({ code: 'block_length' }));
    expect(() => purchaseMacAt(k, Buffer.alloc(40), 10)).toThrow(expect.objectContaining({ code: 'invalid_field' }));
  });
});

describe('SAM MACs of many records, read in place', () => {
  test('the purchase vector record: MACS through the batch equals computeSamMac', () => {
    const record = hex(vectors.purchase.record);
    const ks = keys.samKey(parseSamId(vectors.purchase.SAM_id));
    const batch = retailMacBatchAt(ks, record, [0], 1, 39, Buffer.of(5));
    expect(toHex(batch.subarray(0, 4))).toBe(toHex(computeSamMac(ks, record.subarray(0, 39))));
    expect(toHex(batch.subarray(0, 4))).toBe(toHex(record.subarray(39, 43)));
  });

  test('each MAC of the batch equals MAC(K, prefix ‖ message) for any offsets, spans and prefixes (property)', () => {
    fc.assert(
      fc.property(
        keyArb,
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.integer({ min: 0, max: 30 }),
        fc.uint8Array({ maxLength: 9 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
        (k, source, span, prefix, picks) => {
          fc.pre(span <= source.length);
          const offsets = picks.map((p) => p % (source.length - span + 1));
          const macs = retailMacBatchAt(k, source, offsets, offsets.length, span, prefix);
          offsets.forEach((o, r) => {
            expect(toHex(macs.subarray(r * 8, r * 8 + 8))).toBe(toHex(retailMac(k, Buffer.concat([prefix, source.subarray(o, o + span)]))));
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  test('an offset outside the buffer is refused with a typed error', () => {
    expect(() => retailMacBatchAt(keys.samKey(parseSamId('53414D0000000007')), Buffer.alloc(48), [10], 1, 39)).toThrow(expect.objectContaining({ code: 'block_length' }));
  });
});

describe('cards remembered by their BCD bytes', () => {
  test('csnBcdNumber is the number of the first 15 digits exactly when isCsnBcd holds (property)', () => {
    fc.assert(
      fc.property(fc.oneof(csnArb.map((c) => Buffer.from(c, 'hex')), fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b))), (bytes) => {
        const n = csnBcdNumber(bytes, 0);
        if (!isCsnBcd(bytes, 0)) expect(n).toBe(-1);
        else expect(n).toBe(Number(bytes.toString('hex').slice(0, 15)));
      }),
      { numRuns: 500 },
    );
  });

  test('the largest CSN is still exact', () => {
    const csn = csnWithCheckDigit('999999999999999');
    expect(csnBcdNumber(Buffer.from(csn, 'hex'), 0)).toBe(999_999_999_999_999);
  });
});

describe("the verifier's verdicts are the spec's rules, record by record", () => {
  const transferCardId = parseTransferCardId('5452414E53000003');
  const header = { transferCardId, batchSeq: 3, created: 1_790_000_000 };
  const cards: Csn[] = ['607100000000101', '607100000000102', '607100000000103'].map((d) => csnWithCheckDigit(d));
  // Two SAMs share their last four bytes: the verifier must still tell them apart.
  const sams: SamId[] = ['53414D0000000007', '53414D0100000007', '53414D0000000008'].map((t) => parseSamId(t));

  interface Draft {
    card: number;
    sam: number;
    seq: number;
    atc: number;
    purse: number;
    amount: number;
    fault: 'none' | 'macp' | 'macs' | 'csn' | 'padding';
  }
  const draftArb: fc.Arbitrary<Draft> = fc.record({
    card: fc.nat({ max: cards.length - 1 }),
    sam: fc.nat({ max: sams.length - 1 }),
    seq: fc.nat({ max: 40 }),
    atc: fc.integer({ min: 0, max: 0xffff }),
    purse: fc.constantFrom(1, 1, 1, 2, 3),
    amount: fc.constantFrom(0, 1, 250, 0xffffffff),
    fault: fc.constantFrom('none', 'none', 'none', 'macp', 'macs', 'csn', 'padding'),
  });

  function recordOf(d: Draft): Buffer {
    const csn = cards[d.card];
    const proof: PurchaseProof = { csn, atc: d.atc, purse: 1, amount: 1n, newBalance: 77n, samId: sams[d.sam], samSeq: d.seq };
    const record = Buffer.alloc(48);
    purchaseFields(proof).copy(record, 0);
    record[10] = d.purse;
    record.writeUInt32BE(d.amount, 11);
    record.writeUInt32BE(1_790_000_000, 31);
    if (d.fault === 'csn') record[7] ^= 0x01; // breaks the Luhn digit, stays BCD
    retailMac4(sessionKey(keys.cardPurchaseKey(csn), d.atc), Buffer.concat([Buffer.of(4), record.subarray(0, 31)])).copy(record, 35);
    if (d.fault === 'macp') record[35 + (d.atc % 4)] ^= 0x40; // any of the four bytes
    computeSamMac(keys.samKey(sams[d.sam]), record.subarray(0, 39)).copy(record, 39);
    if (d.fault === 'macs') record[39 + (d.seq % 4)] ^= 0x02;
    if (d.fault === 'padding') record[45] = 9;
    return record;
  }

  /** Spec 4.5's per-record rules, one at a time, with the plain functions. */
  function expectedReasons(records: Buffer[], merchantSams: Set<string>, food: boolean): string[][] {
    const lastSeq = new Map<string, number>();
    return records.map((r) => {
      const reasons: string[] = [];
      const csnText = r.subarray(0, 8).toString('hex').toUpperCase();
      let csn: Csn | undefined;
      try {
        csn = parseCsn(csnText);
      } catch {
        reasons.push('csn_invalid');
      }
      if (r[10] !== 1 && r[10] !== 2) reasons.push('purse_unknown');
      if (r.readUInt32BE(11) === 0) reasons.push('amount_zero');
      if (r.subarray(43).some((b) => b !== 0)) reasons.push('padding_not_zero');
      if (csn) {
        const macp = retailMac4(sessionKey(keys.cardPurchaseKey(csn), r.readUInt16BE(8)), Buffer.concat([Buffer.of(4), r.subarray(0, 31)]));
        if (!macp.equals(r.subarray(35, 39))) reasons.push('purchase_mac_invalid');
      }
      const samId = r.subarray(19, 27).toString('hex').toUpperCase();
      const seq = r.readUInt32BE(27);
      const last = lastSeq.get(samId);
      if (last !== undefined && seq <= last) reasons.push('sam_seq_repeated');
      else lastSeq.set(samId, seq);
      if (!merchantSams.has(samId)) reasons.push('sam_not_of_merchant');
      if (r[10] === 2 && !food) reasons.push('food_not_accepted');
      if (!computeSamMac(keys.samKey(samId as SamId), r.subarray(0, 39)).equals(r.subarray(39, 43))) reasons.push('sam_mac_invalid');
      return reasons;
    });
  }

  const draftsArb = fc.oneof(fc.array(draftArb, { maxLength: 20 }), fc.array(draftArb, { minLength: 257, maxLength: 700 }));

  test('any file of up to 700 records (several check blocks), read from a stream in any pieces or from a path (property)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'purseflow-estb-fast-'));
    try {
      await fc.assert(
        fc.asyncProperty(draftsArb, fc.boolean(), fc.integer({ min: 1, max: 5000 }), async (drafts, food, piece) => {
          const records = drafts.map(recordOf);
          const file = encodeEstbFile(header, records, keys.transferCardKey(transferCardId));
          const merchant = { samIds: new Set<string>([sams[0], sams[2]]), transferCardIds: new Set<string>([transferCardId]), acceptsFoodVouchers: food };
          const parts: Buffer[] = [];
          for (let at = 0; at < file.length; at += piece) parts.push(file.subarray(at, at + piece));
          const got: string[][] = [];
          const summary = await verifyEstb(Readable.from(parts), { keys, merchant }, (_i, record, verdict) => {
            got.push(verdict.reasons);
            expect(verdict.accepted).toBe(verdict.reasons.length === 0);
            expect(record.csn).toBe(records[got.length - 1].subarray(0, 8).toString('hex').toUpperCase());
          });
          const expected = expectedReasons(records, merchant.samIds, food);
          expect(got).toEqual(expected);
          expect(summary).toMatchObject({ fileAccepted: true, records: records.length });
          // From a path the file is read 8 KiB at a time into one reused buffer: records straddle reads.
          const file2 = path.join(dir, 'f.estb');
          fs.writeFileSync(file2, file);
          const fromPath: string[][] = [];
          await verifyEstb(file2, { keys, merchant }, (_i, _r, verdict) => fromPath.push(verdict.reasons));
          expect(fromPath).toEqual(expected);
        }),
        { numRuns: 12 },
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a run of records cut from a proven file gets the same verdicts from checkEstbRecords, with no header, trailer or file MAC (property)', () => {
    fc.assert(
      fc.property(draftsArb, fc.boolean(), (drafts, food) => {
        const records = drafts.map(recordOf);
        const merchant = { samIds: new Set<string>([sams[0], sams[2]]), transferCardIds: new Set<string>([transferCardId]), acceptsFoodVouchers: food };
        const got: string[][] = [];
        for (const block of checkEstbRecords(Buffer.concat(records), { keys, merchant })) {
          expect(block.first).toBe(got.length);
          for (const verdict of block.verdicts) got.push(verdict.reasons);
        }
        expect(got).toEqual(expectedReasons(records, merchant.samIds, food));
      }),
      { numRuns: 12 },
    );
  });

  test('a run that is not a whole number of records is refused with a typed error', () => {
    expect(() => [...checkEstbRecords(Buffer.alloc(47), { keys })]).toThrow(expect.objectContaining({ code: 'truncated' }));
  });

  test('records handed out keep their fields after the next blocks are read from a path', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'purseflow-estb-fast-'));
    try {
      const drafts = fc.sample(draftArb, 600);
      const records = drafts.map(recordOf);
      const file = path.join(dir, 'f.estb');
      fs.writeFileSync(file, encodeEstbFile(header, records, keys.transferCardKey(transferCardId)));
      const kept: EstbRecord[] = [];
      await verifyEstb(file, { keys }, (_i, record) => kept.push(record));
      expect(kept).toEqual(records.map((r) => decodeRecord(r)));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
