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
exports.nextCsn = nextCsn;
exports.createWorld = createWorld;
exports.postedBalance = postedBalance;
/**
 * What the settlement and voucher suites share: a database of their own with the ledger, registry
 * and settlement tables, the real Temporal dev server with a worker on a task queue of their own,
 * simulated cards loaded the way a download loads them, and the merchant simulator.
 */
const node_crypto_1 = require("node:crypto");
const fs = __importStar(require("node:fs"));
const os = __importStar(require("node:os"));
const path = __importStar(require("node:path"));
const client_1 = require("@temporalio/client");
const worker_1 = require("@temporalio/worker");
const card_driver_1 = require("../../card-driver");
const ledger_1 = require("../../ledger");
const postgres_1 = require("../../test-support/postgres");
const temporal_1 = require("../../test-support/temporal");
const registry_1 = require("../registry");
const settlement_schema_1 = require("../settlement/settlement-schema");
const settlement_activities_1 = require("../settlement/settlement-activities");
const voucher_activities_1 = require("../vouchers/voucher-activities");
let cardCounter = 0;
/** A fresh CSN per card of this process (the 15 digits before the Luhn digit). */
function nextCsn() {
    cardCounter += 1;
    const unique = `${process.pid % 100000}`.padStart(5, '0') + `${cardCounter}`.padStart(4, '0');
    return (0, card_driver_1.csnWithCheckDigit)(`607100${unique}`);
}
async function createWorld(prefix, workflowsPath) {
    (0, temporal_1.quietTemporalRuntime)();
    const database = await (0, postgres_1.createTestDatabase)(prefix);
    const db = database.db;
    await (0, ledger_1.migrateLedger)(db);
    await (0, registry_1.migrateRegistry)(db);
    await (0, settlement_schema_1.migrateSettlement)(db);
    const ledger = (0, ledger_1.createLedger)(db);
    const registry = new registry_1.Registry({ knex: db, ledger });
    await registry.ensurePlatformAccounts();
    const keys = (0, card_driver_1.testKeyStore)();
    const address = (0, temporal_1.temporalAddress)();
    const nativeConnection = await worker_1.NativeConnection.connect({ address });
    const connection = await client_1.Connection.connect({ address });
    const client = new client_1.Client({ connection });
    const taskQueue = `${prefix}-${(0, node_crypto_1.randomBytes)(6).toString('hex')}`;
    const workflowBundle = await (0, worker_1.bundleWorkflowCode)({ workflowsPath, logger: quietBundlerLogger });
    const worker = await worker_1.Worker.create({
        connection: nativeConnection,
        taskQueue,
        workflowBundle,
        activities: { ...(0, settlement_activities_1.createSettlementActivities)({ db, ledger, keys }), ...(0, voucher_activities_1.createVoucherActivities)({ db, ledger }) },
    });
    const running = worker.run();
    const scratchDir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    const uploadDir = path.join(scratchDir, 'uploads');
    return {
        database,
        ledger,
        registry,
        keys,
        client,
        taskQueue,
        uploadDir,
        scratchDir,
        writeFile(name, bytes) {
            const file = path.join(scratchDir, name);
            fs.writeFileSync(file, bytes);
            return file;
        },
        async cardFor(customerId, loads) {
            const csn = nextCsn();
            await registry.issueCard({ csn, customerId });
            const card = card_driver_1.SimulatedCard.issue(keys, csn);
            for (const [purse, amount] of Object.entries(loads)) {
                await loadAsDownload(card, purse, amount, customerId);
            }
            return card;
        },
        async loadOffTheBooks(card, purse, amount) {
            await (0, card_driver_1.performOnlineLoad)((0, card_driver_1.inMemoryChannel)(card), keys, { purse, amount, csn: card.csn });
        },
        invariantViolations: () => (0, ledger_1.checkLedgerInvariants)(db),
        async close() {
            worker.shutdown();
            await running;
            await ledger.close();
            await connection.close();
            await nativeConnection.close();
            await database.drop();
            fs.rmSync(scratchDir, { recursive: true, force: true });
        },
    };
    /** What a completed download leaves behind: the card credited, customer → float posted, the shadow loaded. */
    async function loadAsDownload(card, purse, amount, customerId) {
        const facts = await registry.cardForDownload(card.csn, purse);
        const fundingId = `test-funding-${card.csn}-${purse}-${card.atcCard}`;
        const text = `${amount / 100n}.${(amount % 100n).toString().padStart(2, '0')}`;
        if (purse === 'ecash')
            await registry.deposit({ depositId: fundingId, customerId, amount: text });
        else
            await registry.issueFoodVoucher({ voucherId: fundingId, customerId, amount: text });
        const load = await (0, card_driver_1.performOnlineLoad)((0, card_driver_1.inMemoryChannel)(card), keys, { purse: purse === 'ecash' ? card_driver_1.PURSE.ecash : card_driver_1.PURSE.food, amount, csn: card.csn });
        const transferId = (0, registry_1.nameBasedId)(`test-load/${card.csn}/${load.atc}`);
        const [outcome] = await ledger.createTransfers([
            {
                id: transferId,
                debitAccountId: facts.sourceAccountId,
                creditAccountId: facts.floatAccountId,
                amount,
                code: purse === 'ecash' ? registry_1.TRANSFER_CODE.downloadEcash : registry_1.TRANSFER_CODE.downloadFood,
            },
        ]);
        if (outcome.result !== 'ok')
            throw new Error(`test load refused by the ledger: ${outcome.result}`);
        await registry.recordPurseMovement({ key: transferId, csn: card.csn, purse, kind: 'load', amountMinor: amount });
    }
}
const quietBundlerLogger = {
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: (message) => console.warn(message),
    error: (message) => console.error(message),
    log: () => undefined,
};
/** The available (posted) balance of an account, minor units. */
async function postedBalance(ledger, accountId) {
    const [account] = await ledger.lookupAccounts([accountId]);
    if (!account)
        throw new Error(`no account ${accountId}`);
    return { posted: account.creditsPosted - account.debitsPosted, pending: account.creditsPending - account.debitsPending };
}
