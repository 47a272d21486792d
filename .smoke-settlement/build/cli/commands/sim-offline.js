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
exports.SimOfflineError = void 0;
exports.parseAmount = parseAmount;
exports.formatAmount = formatAmount;
exports.registerSimOfflineCommands = registerSimOfflineCommands;
// `purseflow sim pocket` and `purseflow sim merchant`: the offline side of the simulated world.
// The pocket holds one card whose state (with the pocket's waiting load) lives in a JSON file
// between runs; the merchant debits simulated cards and writes a signed `.estb` file, with
// switches that produce the bad files the server must refuse.
const commander_1 = require("commander");
const fs = __importStar(require("node:fs"));
const path = __importStar(require("node:path"));
const readline = __importStar(require("node:readline/promises"));
const card_driver_1 = require("../../card-driver");
const config_1 = require("../services/config");
class SimOfflineError extends Error {
    code;
    name = 'SimOfflineError';
    constructor(code, message) {
        super(message);
        this.code = code;
    }
}
exports.SimOfflineError = SimOfflineError;
function dataDir() {
    return path.resolve(process.env.PURSEFLOW_DATA_DIR || path.join(config_1.REPOSITORY_ROOT, '.data'));
}
function cardFile(csn) {
    return path.join(dataDir(), 'cards', `${csn}.json`);
}
/** "250.00" → 25000n minor units; no floating point on the way. */
function parseAmount(text) {
    const m = /^([0-9]{1,8})(?:\.([0-9]{1,2}))?$/.exec(text.trim());
    if (!m)
        throw new commander_1.InvalidArgumentError('an amount like 100.00 (at most two decimals)');
    const minor = BigInt(m[1]) * 100n + BigInt((m[2] ?? '').padEnd(2, '0'));
    if (minor <= 0n || minor > 0xffffffffn)
        throw new commander_1.InvalidArgumentError('an amount above 0.00 and below 42949672.96');
    return minor;
}
function formatAmount(minor) {
    return `${minor / 100n}.${(minor % 100n).toString().padStart(2, '0')}`;
}
function parsePurse(text) {
    const t = text.trim().toLowerCase();
    if (t === '1' || t === 'ecash' || t === 'e-cash')
        return card_driver_1.PURSE.ecash;
    if (t === '2' || t === 'food' || t === 'food-voucher')
        return card_driver_1.PURSE.food;
    throw new commander_1.InvalidArgumentError('1 (e-Cash) or 2 (Food Voucher)');
}
function parseCount(text) {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0 || n > 10_000_000)
        throw new commander_1.InvalidArgumentError('a whole number');
    return n;
}
function csnArg(text) {
    try {
        return (0, card_driver_1.parseCsn)(text);
    }
    catch (err) {
        throw new commander_1.InvalidArgumentError(err.message);
    }
}
/** Reads a pocket/card file; a file written by `sim card` (card state only) works too. */
function loadPocket(file, csn, keys) {
    if (!fs.existsSync(file))
        return new card_driver_1.EcomPocket(card_driver_1.SimulatedCard.issue(keys, csn));
    let state;
    try {
        state = JSON.parse(fs.readFileSync(file, 'utf8'));
    }
    catch {
        throw new SimOfflineError('bad_state_file', `${file} is not a card state file (not JSON); move it away to start with a new card.`);
    }
    const s = state;
    const pocketState = s.format === 'esmart-card/1' ? { format: 'ecom-pocket/1', card: state } : state;
    const pocket = card_driver_1.EcomPocket.restore(pocketState, keys);
    if (pocket.card.csn !== csn) {
        throw new SimOfflineError('bad_state_file', `${file} holds card ${(0, card_driver_1.formatCsn)(pocket.card.csn)}, not ${(0, card_driver_1.formatCsn)(csn)}; pass the right --state file.`);
    }
    return pocket;
}
function savePocket(file, pocket) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(pocket.snapshot(), null, 2)}\n`);
    fs.renameSync(tmp, file);
}
async function pocketCommand(o) {
    const keys = (0, card_driver_1.keyStoreFromEnvironment)();
    const file = o.state ?? cardFile(o.csn);
    const pocket = loadPocket(file, o.csn, keys);
    const out = (line) => void process.stdout.write(`${line}\n`);
    const note = (line) => void process.stderr.write(`${line}\n`);
    const scripted = o.amount !== undefined || o.authorization !== undefined || o.last || o.balance;
    try {
        if (!scripted) {
            if (process.stdin.isTTY)
                return await interactivePocket(pocket, () => savePocket(file, pocket));
            throw new SimOfflineError('nothing_to_do', 'Say what to do: --purse P --amount A (request code), --authorization CODE (confirmation code), --last, or --balance; or run it in a terminal for the keypad.');
        }
        if (o.amount !== undefined) {
            const purse = o.purse ?? card_driver_1.PURSE.ecash;
            const code = pocket.requestCode(purse, o.amount);
            note(`request code for ${formatAmount(o.amount)} onto ${purse === card_driver_1.PURSE.ecash ? 'e-Cash' : 'Food Voucher'} of card ${(0, card_driver_1.formatCsn)(o.csn)}:`);
            out(code);
        }
        if (o.authorization !== undefined) {
            const code = pocket.enterAuthorizationCode(o.authorization);
            note('load done; confirmation code:');
            out(code);
        }
        if (o.last)
            out(pocket.lastConfirmationCode());
        if (o.balance) {
            const b = pocket.balances();
            out(`ecash ${formatAmount(b.ecash)}`);
            out(`food ${formatAmount(b.food)}`);
        }
    }
    finally {
        savePocket(file, pocket);
    }
}
async function interactivePocket(pocket, save) {
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    const say = (line) => void process.stdout.write(`${line}\n`);
    try {
        say(`eCom Pocket — card ${(0, card_driver_1.formatCsn)(pocket.card.csn)}`);
        for (;;) {
            const waiting = pocket.pendingLoad;
            if (!waiting) {
                const b = pocket.balances();
                say(`  e-Cash ${formatAmount(b.ecash)}   Food Voucher ${formatAmount(b.food)}`);
            }
            else {
                say(`  waiting for the authorization code of ${formatAmount(waiting.amount)} (${waiting.attemptsLeft} attempt(s) left)`);
            }
            const choice = (await rl.question('[1] load e-Cash  [2] load Food Voucher  [a] type authorization code  [c] last confirmation  [q] quit > ')).trim().toLowerCase();
            try {
                if (choice === 'q' || choice === '')
                    return;
                if (choice === '1' || choice === '2') {
                    const amount = parseAmount(await rl.question('amount (e.g. 100.00): '));
                    say(`REQUEST CODE  ${pocket.requestCode(choice === '1' ? card_driver_1.PURSE.ecash : card_driver_1.PURSE.food, amount)}`);
                }
                else if (choice === 'a') {
                    say(`CONFIRMATION CODE  ${pocket.enterAuthorizationCode(await rl.question('authorization code: '))}`);
                }
                else if (choice === 'c') {
                    say(`LAST CONFIRMATION  ${pocket.lastConfirmationCode()}`);
                }
                else {
                    say('choose 1, 2, a, c or q');
                }
            }
            catch (err) {
                if (err instanceof card_driver_1.PocketError || err instanceof commander_1.InvalidArgumentError)
                    say(`! ${err.message}`);
                else
                    throw err;
            }
            save();
        }
    }
    finally {
        rl.close();
    }
}
/** The vector card and two neighbours, when no --card is given. */
const DEMO_CARDS = ['607100000000001', '607100000000002', '607100000000003'];
async function merchantCommand(o) {
    const keys = (0, card_driver_1.keyStoreFromEnvironment)();
    const stateFile = path.join(dataDir(), 'merchant', 'counters.json');
    const state = fs.existsSync(stateFile)
        ? JSON.parse(fs.readFileSync(stateFile, 'utf8'))
        : { format: 'sim-merchant/1', nextSamSeq: {}, nextBatchSeq: {} };
    const samId = (0, card_driver_1.parseSamId)(o.sam);
    const transferCardId = (0, card_driver_1.parseTransferCardId)(o.transferCard);
    const csns = o.card.length > 0 ? o.card : DEMO_CARDS.map(card_driver_1.csnWithCheckDigit);
    const pockets = csns.map((csn) => ({ csn, pocket: loadPocket(cardFile(csn), csn, keys) }));
    for (const { pocket } of pockets) {
        // A card with too little money is topped up directly (not through the server's ledger): fine
        // for file-format demos; for end-to-end runs pass cards loaded through the portal with --card.
        for (const purse of [card_driver_1.PURSE.ecash, card_driver_1.PURSE.food]) {
            if (pocket.card.balance(purse) < o.amount * BigInt(o.purchases + o.food + o.foreignSam)) {
                await (0, card_driver_1.performOnlineLoad)((0, card_driver_1.inMemoryChannel)(pocket.card), keys, { purse, amount: o.topup });
            }
        }
    }
    const firstSamSeq = o.firstSamSeq ?? state.nextSamSeq[samId] ?? 1;
    const batchSeq = o.batchSeq ?? state.nextBatchSeq[transferCardId] ?? 1;
    const result = (0, card_driver_1.runMerchant)(keys, pockets.map((p) => p.pocket.card), {
        samId,
        transferCardId,
        purse: o.purse,
        amount: o.amount,
        purchases: o.purchases,
        firstSamSeq,
        batchSeq,
        faults: {
            tamperPurchaseMacs: o.tamperMacp,
            tamperSamMacs: o.tamperMacs,
            tamperFileMac: o.tamperFileMac,
            replayRecords: o.replay,
            foreignSamPurchases: o.foreignSam,
            foodPurchases: o.food,
            truncateBytes: o.truncate,
        },
    });
    fs.mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
    fs.writeFileSync(o.out, result.file);
    for (const { csn, pocket } of pockets)
        savePocket(cardFile(csn), pocket);
    state.nextSamSeq[samId] = firstSamSeq + o.purchases + o.food;
    state.nextBatchSeq[transferCardId] = batchSeq + 1;
    fs.mkdirSync(path.dirname(stateFile), { recursive: true });
    fs.writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);
    process.stdout.write(`wrote ${o.out}: Transfer card ${transferCardId}, batch ${batchSeq}, ${result.records} record(s), ${result.file.length} bytes\n`);
    for (const [fault, indexes] of Object.entries(result.faultsApplied))
        process.stdout.write(`  ${fault}: record(s) ${indexes.join(', ')}\n`);
    if (o.tamperFileMac)
        process.stdout.write('  file MAC tampered: the server must reject the whole file\n');
    if (o.truncate)
        process.stdout.write(`  truncated by ${o.truncate} byte(s): the server must refuse the file\n`);
}
function registerSimOfflineCommands(sim) {
    sim
        .command('pocket')
        .description('the eCom Pocket holding one card: request code, authorization → confirmation code, last confirmation (interactive in a terminal, or scripted with the options)')
        .requiredOption('--csn <csn>', 'the card serial number (16 digits, Luhn-checked)', csnArg)
        .option('--state <file>', 'card + pocket state file (default <data dir>/cards/<csn>.json)')
        .option('--purse <purse>', '1/ecash or 2/food (with --amount; default 1)', parsePurse)
        .option('--amount <amount>', 'start an offline load of this amount (e.g. 100.00); prints the 14-digit request code', parseAmount)
        .option('--authorization <code>', 'type the 9-digit authorization code; prints the 9-digit confirmation code')
        .option('--last', 'print the confirmation code of the last load again')
        .option('--balance', 'print the purse balances')
        .action(async (o) => pocketCommand(o));
    sim
        .command('merchant')
        .description('a POS with a SAM debits simulated cards; the Transfer card writes a signed .estb file (switches make the bad cases)')
        .requiredOption('--out <file>', 'the .estb file to write')
        .option('--sam <id>', 'SAM id (16 hex digits)', '53414D0000000007')
        .option('--transfer-card <id>', 'Transfer card id (16 hex digits)', '5452414E53000003')
        .option('--batch-seq <n>', 'batch sequence number (default: the next one for this Transfer card)', parseCount)
        .option('--first-sam-seq <n>', "first SAM sequence number (default: the SAM's next one)", parseCount)
        .option('--purchases <n>', 'number of good purchases', parseCount, 5)
        .option('--amount <amount>', 'amount of each purchase', parseAmount, 150n)
        .option('--purse <purse>', '1/ecash or 2/food for the good purchases', parsePurse, card_driver_1.PURSE.ecash)
        .option('--card <csn>', 'a card to debit (repeatable; state in <data dir>/cards/<csn>.json; default three demo cards)', (v, acc) => [...acc, csnArg(v)], [])
        .option('--topup <amount>', 'load a card with too little money by this much first (simulator only, not via the server)', parseAmount, 100000n)
        .option('--tamper-macp <n>', 'flip a bit of MACP in n records (the SAM re-signs them)', parseCount, 0)
        .option('--tamper-macs <n>', 'flip a bit of MACS in n records', parseCount, 0)
        .option('--tamper-file-mac', 'flip a bit of the file MAC')
        .option('--replay <n>', 'append n copies of earlier records', parseCount, 0)
        .option('--foreign-sam <n>', "n purchases through another merchant's SAM (53414D00000000FF)", parseCount, 0)
        .option('--food <n>', 'n Food Voucher purchases (for a merchant that does not take them)', parseCount, 0)
        .option('--truncate <bytes>', 'cut this many bytes off the end of the file', parseCount, 0)
        .action(async (o) => merchantCommand(o));
}
