// `purseflow sim pocket` and `sim merchant` run as a person or a script would, with the card
// state in a temporary data folder.
import { Command } from 'commander';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { csnWithCheckDigit, EcomPocket, PURSE, SimulatedCard, testKeyStore, verifyEstb } from '../../card-driver';
import { registerSimOfflineCommands, runPocketKeypad } from '../commands/sim-offline';

const keys = testKeyStore();
const csn = csnWithCheckDigit('607100000000321');
let dir: string;
let stdout: string[];
const savedDataDir = process.env.PURSEFLOW_DATA_DIR;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'purseflow-sim-'));
  process.env.PURSEFLOW_DATA_DIR = dir;
  stdout = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (stdout.push(String(chunk)), true));
  jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
  if (savedDataDir === undefined) delete process.env.PURSEFLOW_DATA_DIR;
  else process.env.PURSEFLOW_DATA_DIR = savedDataDir;
});

async function sim(...args: string[]): Promise<string[]> {
  const program = new Command('purseflow').exitOverride();
  registerSimOfflineCommands(program.command('sim'));
  stdout.length = 0;
  await program.parseAsync(['sim', ...args], { from: 'user' });
  return stdout.join('').trim().split('\n');
}

test('pocket: a request code, then the authorization code gives a confirmation code the portal accepts, across runs', async () => {
  const [request] = await sim('pocket', '--csn', csn, '--purse', 'food', '--amount', '100.00');
  expect(request).toMatch(/^[0-9]{14}$/);
  expect(fs.existsSync(path.join(dir, 'cards', `${csn}.json`))).toBe(true);
  const check = keys.verifyRequestCode({ csn, purse: PURSE.food, amount: 10_000n }, request);
  expect(check.valid).toBe(true);
  const authorization = keys.authorizationCode({ csn, atc: check.valid ? check.atc : 0, purse: PURSE.food, amount: 10_000n });
  const [confirmation] = await sim('pocket', '--csn', csn, '--authorization', authorization);
  expect(keys.verifyConfirmationCode({ csn, atc: 1, purse: PURSE.food, amount: 10_000n }, confirmation)).toEqual({ valid: true });
  expect(await sim('pocket', '--csn', csn, '--last')).toEqual([confirmation]);
  expect(await sim('pocket', '--csn', csn, '--balance')).toEqual(['ecash 0.00', 'food 100.00']);
});

test('pocket: --state names the state file', async () => {
  const file = path.join(dir, 'mine.json');
  await sim('pocket', '--csn', csn, '--amount', '1.50', '--state', file);
  expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ format: 'ecom-pocket/1', pending: { purse: 1, amount: '150' } });
});

test('pocket: a wrong amount format is refused by the option parser', async () => {
  await expect(sim('pocket', '--csn', csn, '--amount', '1.234')).rejects.toThrow();
});

test('merchant: writes a file that verifies, and the next run continues the SAM and batch numbers', async () => {
  const out = path.join(dir, 'a.estb');
  const lines = await sim('merchant', '--out', out, '--purchases', '3', '--amount', '2.00');
  expect(lines[0]).toContain('batch 1, 3 record(s)');
  expect(await verifyEstb(out, { keys })).toMatchObject({ fileAccepted: true, acceptedRecords: 3 });
  const out2 = path.join(dir, 'b.estb');
  expect((await sim('merchant', '--out', out2, '--purchases', '1'))[0]).toContain('batch 2, 1 record(s)');
  const seqs: number[] = [];
  await verifyEstb(out2, { keys }, (_i, r) => seqs.push(r.samSeq));
  expect(seqs).toEqual([4]);
});

test('merchant: the bad-case switches each show up in the verdicts', async () => {
  const out = path.join(dir, 'bad.estb');
  const lines = await sim('merchant', '--out', out, '--purchases', '3', '--tamper-macp', '1', '--replay', '1', '--foreign-sam', '1', '--food', '1');
  expect(lines.join('\n')).toMatch(/tamperPurchaseMacs/);
  const reasons = new Set<string>();
  const merchant = { samIds: new Set(['53414D0000000007']), transferCardIds: new Set(['5452414E53000003']), acceptsFoodVouchers: false };
  await verifyEstb(out, { keys, merchant }, (_i, _r, v) => v.reasons.forEach((x) => reasons.add(x)));
  expect([...reasons].sort()).toEqual(['food_not_accepted', 'purchase_mac_invalid', 'sam_not_of_merchant', 'sam_seq_repeated']);
});

test('merchant: a truncated file is written as asked', async () => {
  const out = path.join(dir, 'cut.estb');
  await sim('merchant', '--out', out, '--purchases', '2', '--truncate', '10');
  expect(fs.statSync(out).size).toBe(32 + 2 * 48 + 8 - 10);
});

test('pocket keypad: choose e-Cash and an amount, type the authorization code, see the confirmation', async () => {
  const pocket = new EcomPocket(SimulatedCard.issue(keys, csn));
  const input = new PassThrough();
  const output = new PassThrough();
  let screen = '';
  output.on('data', (d: Buffer) => (screen += d.toString()));
  const saves = jest.fn();
  const done = runPocketKeypad(pocket, saves, { input, output });
  let seen = 0;
  /** Waits for `text` on the screen after what was already read, like a person watching the display. */
  const waitFor = async (text: RegExp): Promise<RegExpExecArray> => {
    for (let i = 0; i < 500; i++) {
      const m = text.exec(screen.slice(seen));
      if (m) {
        seen += m.index + m[0].length;
        return m;
      }
      await new Promise((r) => setImmediate(r));
    }
    throw new Error(`the pocket never showed ${text}; screen:\n${screen}`);
  };
  const menu = /\[q\] quit > /;
  await waitFor(menu);
  input.write('1\n');
  await waitFor(/amount \(e\.g\. 100\.00\): /);
  input.write('12.34\n');
  const [, request] = await waitFor(/REQUEST CODE\s+([0-9]{14})/);
  const check = keys.verifyRequestCode({ csn, purse: PURSE.ecash, amount: 1234n }, request);
  const authorization = keys.authorizationCode({ csn, atc: check.valid ? check.atc : 0, purse: PURSE.ecash, amount: 1234n });
  await waitFor(menu);
  input.write('a\n');
  await waitFor(/authorization code: /);
  input.write('123456782\n');
  await waitFor(/! Wrong authorization code; 2 attempt/);
  await waitFor(menu);
  input.write('a\n');
  await waitFor(/authorization code: /);
  input.write(`${authorization}\n`);
  const [, confirmation] = await waitFor(/CONFIRMATION CODE\s+([0-9]{9})/);
  await waitFor(menu);
  input.write('q\n');
  await done;
  expect(keys.verifyConfirmationCode({ csn, atc: 1, purse: PURSE.ecash, amount: 1234n }, confirmation)).toEqual({ valid: true });
  expect(saves).toHaveBeenCalled();
  expect(screen).toContain('e-Cash 12.34');
});
