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
// `purseflow sim pocket` and `sim merchant` run as a person or a script would, with the card
// state in a temporary data folder.
const commander_1 = require("commander");
const fs = __importStar(require("node:fs"));
const os = __importStar(require("node:os"));
const path = __importStar(require("node:path"));
const card_driver_1 = require("../../card-driver");
const sim_offline_1 = require("../commands/sim-offline");
const keys = (0, card_driver_1.testKeyStore)();
const csn = (0, card_driver_1.csnWithCheckDigit)('607100000000321');
let dir;
let stdout;
const savedDataDir = process.env.PURSEFLOW_DATA_DIR;
beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'purseflow-sim-'));
    process.env.PURSEFLOW_DATA_DIR = dir;
    stdout = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true));
    jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
    if (savedDataDir === undefined)
        delete process.env.PURSEFLOW_DATA_DIR;
    else
        process.env.PURSEFLOW_DATA_DIR = savedDataDir;
});
async function sim(...args) {
    const program = new commander_1.Command('purseflow').exitOverride();
    (0, sim_offline_1.registerSimOfflineCommands)(program.command('sim'));
    stdout.length = 0;
    await program.parseAsync(['sim', ...args], { from: 'user' });
    return stdout.join('').trim().split('\n');
}
test('pocket: a request code, then the authorization code gives a confirmation code the portal accepts, across runs', async () => {
    const [request] = await sim('pocket', '--csn', csn, '--purse', 'food', '--amount', '100.00');
    expect(request).toMatch(/^[0-9]{14}$/);
    expect(fs.existsSync(path.join(dir, 'cards', `${csn}.json`))).toBe(true);
    const check = keys.verifyRequestCode({ csn, purse: card_driver_1.PURSE.food, amount: 10000n }, request);
    expect(check.valid).toBe(true);
    const authorization = keys.authorizationCode({ csn, atc: check.valid ? check.atc : 0, purse: card_driver_1.PURSE.food, amount: 10000n });
    const [confirmation] = await sim('pocket', '--csn', csn, '--authorization', authorization);
    expect(keys.verifyConfirmationCode({ csn, atc: 1, purse: card_driver_1.PURSE.food, amount: 10000n }, confirmation)).toEqual({ valid: true });
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
    expect(await (0, card_driver_1.verifyEstb)(out, { keys })).toMatchObject({ fileAccepted: true, acceptedRecords: 3 });
    const out2 = path.join(dir, 'b.estb');
    expect((await sim('merchant', '--out', out2, '--purchases', '1'))[0]).toContain('batch 2, 1 record(s)');
    const seqs = [];
    await (0, card_driver_1.verifyEstb)(out2, { keys }, (_i, r) => seqs.push(r.samSeq));
    expect(seqs).toEqual([4]);
});
test('merchant: the bad-case switches each show up in the verdicts', async () => {
    const out = path.join(dir, 'bad.estb');
    const lines = await sim('merchant', '--out', out, '--purchases', '3', '--tamper-macp', '1', '--replay', '1', '--foreign-sam', '1', '--food', '1');
    expect(lines.join('\n')).toMatch(/tamperPurchaseMacs/);
    const reasons = new Set();
    const merchant = { samIds: new Set(['53414D0000000007']), transferCardIds: new Set(['5452414E53000003']), acceptsFoodVouchers: false };
    await (0, card_driver_1.verifyEstb)(out, { keys, merchant }, (_i, _r, v) => v.reasons.forEach((x) => reasons.add(x)));
    expect([...reasons].sort()).toEqual(['food_not_accepted', 'purchase_mac_invalid', 'sam_not_of_merchant', 'sam_seq_repeated']);
});
test('merchant: a truncated file is written as asked', async () => {
    const out = path.join(dir, 'cut.estb');
    await sim('merchant', '--out', out, '--purchases', '2', '--truncate', '10');
    expect(fs.statSync(out).size).toBe(32 + 2 * 48 + 8 - 10);
});
