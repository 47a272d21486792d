// The server worker runs with --openssl-legacy-provider so that MAC chains use OpenSSL's single DES
// (a third of the work of EDE with K1‖K1). Both paths must give the spec's results byte for byte:
// this suite's own process has no legacy provider, so the single-DES path runs in a child process
// on the built library (dist/, built by `npm test` before Jest).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SINGLE_DES_NATIVE } from '../index';
import { vectors } from './spec-vectors';

const root = path.join(__dirname, '..', '..');
const builtLibrary = path.join(root, 'dist', 'card-driver', 'index.js');

/** Computes every MAC of the vectors with the built library, in a node started with `flags`. */
function vectorMacsIn(flags: string[]): Record<string, unknown> {
  const script = `
    const cd = require(${JSON.stringify(builtLibrary)});
    const v = JSON.parse(require('fs').readFileSync(0, 'utf8'));
    const hex = (h) => Buffer.from(h, 'hex');
    const up = (b) => b.toString('hex').toUpperCase();
    const keys = cd.testKeyStore();
    const csn = cd.parseCsn(v.card.CSN);
    const purse = (code) => cd.purseId(parseInt(code, 16));
    const ol = v.online_load, pu = v.purchase;
    const session = { csn, atc: ol.ATC, purse: purse(ol.purse), amount: BigInt(ol.amount), rh: hex(ol.RH), rc: hex(ol.RC) };
    const load = keys.cardKeys(csn).load;
    const proof = { csn, atc: pu.ATC, purse: purse(pu.purse), amount: BigInt(pu.amount), newBalance: BigInt(pu.new_balance),
      samId: cd.parseSamId(pu.SAM_id), samSeq: pu.SAM_seq };
    (async () => {
      const summary = await cd.verifyEstb(require('stream').Readable.from([hex(v.estb.file)]), { keys });
      process.stdout.write(JSON.stringify({
        singleDes: cd.SINGLE_DES_NATIVE,
        algorithm3: v.mac_algorithm3.map((m) => up(cd.retailMac(cd.SecretKey.fromHex(m.key, 'k'),
          m.message_ascii !== undefined ? Buffer.from(m.message_ascii, 'ascii') : hex(m.message)))),
        mac1: up(cd.computeMac1(load, session)),
        mac2: up(cd.computeMac2(load, session)),
        mac3: up(cd.computeMac3(load, session)),
        macp: up(cd.computePurchaseMac(keys.cardPurchaseKey(csn), proof)),
        macpAt: up(cd.purchaseMacAt(keys.cardPurchaseKey(csn), hex(pu.record), 0).subarray(0, 4)),
        macsBatch: up(cd.retailMacBatchAt(keys.samKey(proof.samId), hex(pu.record), [0], 1, 39, Buffer.of(5)).subarray(0, 4)),
        // The settlement verifier's session-key path against the plain one, for keys, ATCs and lengths.
        sessionPathMismatches: Array.from({ length: 200 }, (_, i) => {
          const k = cd.SecretKey.fromBytes(require('crypto').createHash('sha256').update(String(i)).digest().subarray(0, 16), 'k');
          const message = Buffer.alloc(i % 41, i);
          const padded = cd.pad2(message);
          const fast = cd.sessionRetailMac(k, i * 331 % 65536, padded.subarray(0, padded.length - 8), padded.subarray(padded.length - 8));
          return up(fast) === up(cd.retailMac(cd.sessionKey(k, i * 331 % 65536), message)) ? 0 : 1;
        }).reduce((a, b) => a + b, 0),
        estb: { fileAccepted: summary.fileAccepted, rejected: summary.rejectedRecords, records: summary.records },
      }));
    })().catch((e) => { process.stderr.write(String(e && e.stack)); process.exit(1); });`;
  const child = spawnSync(process.execPath, [...flags, '-e', script], { input: JSON.stringify(vectors), encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`child node failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as Record<string, unknown>;
}

const expected = {
  algorithm3: vectors.mac_algorithm3.map((m) => m.mac),
  mac1: vectors.online_load.MAC1,
  mac2: vectors.online_load.MAC2,
  mac3: vectors.online_load.MAC3,
  macp: vectors.purchase.MACP,
  macpAt: vectors.purchase.MACP,
  macsBatch: vectors.purchase.record.slice(78, 86),
  sessionPathMismatches: 0,
  estb: { fileAccepted: true, rejected: 0, records: 1 },
};

const built = fs.existsSync(builtLibrary);
const whenBuilt = built ? test : test.skip;
if (!built) console.warn(`single-des: ${builtLibrary} is missing; run \`npm run build\` (npm test does) to check the single-DES path.`);

test('without the legacy provider (this Jest process) K1 operations run as EDE with K1‖K1', () => {
  expect(SINGLE_DES_NATIVE).toBe(false);
});

whenBuilt('with --openssl-legacy-provider (the server worker) the single-DES path is taken', () => {
  expect(vectorMacsIn(['--openssl-legacy-provider']).singleDes).toBe(true);
});

whenBuilt('every MAC vector and the vector .estb file hold on the single-DES path', () => {
  expect(vectorMacsIn(['--openssl-legacy-provider'])).toMatchObject({ singleDes: true, ...expected });
});

whenBuilt('every MAC vector and the vector .estb file hold on the EDE fallback path', () => {
  expect(vectorMacsIn([])).toMatchObject({ singleDes: false, ...expected });
});
