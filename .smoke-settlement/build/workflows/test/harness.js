"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.uniqueId = uniqueId;
exports.freshCsn = freshCsn;
exports.startHarness = startHarness;
exports.customerWithCard = customerWithCard;
exports.customerBalance = customerBalance;
exports.expectLedgerConsistent = expectLedgerConsistent;
// What the workflows' test files share: a database of their own with the ledger and the registry
// migrated, a Temporal connection, the workflow bundle (once per file), a server worker on a task
// queue of their own, and money/ledger assertions. Real services only.
const node_crypto_1 = require("node:crypto");
const client_1 = require("@temporalio/client");
const worker_1 = require("@temporalio/worker");
const postgres_1 = require("../../test-support/postgres");
const temporal_1 = require("../../test-support/temporal");
const ledger_1 = require("../../ledger");
const card_driver_1 = require("../../card-driver");
const registry_1 = require("../registry");
const server_worker_1 = require("../worker/server-worker");
const client_2 = require("../client");
function uniqueId(prefix) {
    return `${prefix}-${(0, node_crypto_1.randomBytes)(4).toString('hex')}`;
}
let csnCounter = Number.parseInt((0, node_crypto_1.randomBytes)(3).toString('hex'), 16);
/** A fresh CSN with a valid Luhn digit, so that test files never share cards. */
function freshCsn() {
    csnCounter += 1;
    return (0, card_driver_1.csnWithCheckDigit)(`6071${String(csnCounter).padStart(11, '0')}`);
}
async function startHarness(name) {
    (0, temporal_1.quietTemporalRuntime)();
    const db = await (0, postgres_1.createTestDatabase)(name);
    await (0, ledger_1.migrateLedger)(db.db);
    await (0, registry_1.migrateRegistry)(db.db);
    const ledger = (0, ledger_1.createLedger)(db.db);
    const registry = new registry_1.Registry({ knex: db.db, ledger });
    await registry.ensurePlatformAccounts();
    const keys = (0, card_driver_1.testKeyStore)();
    const nativeConnection = await worker_1.NativeConnection.connect({ address: (0, temporal_1.temporalAddress)() });
    const connection = await client_1.Connection.connect({ address: (0, temporal_1.temporalAddress)() });
    const client = new client_1.Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
    const taskQueue = uniqueId(`wf-${name}`);
    const serverWorker = await (0, server_worker_1.createServerWorker)({ connection: nativeConnection, taskQueue, knex: db.db, ledger, keys, workflowBundle: await (0, server_worker_1.bundleWorkflows)() });
    const running = serverWorker.run();
    return {
        db,
        ledger,
        registry,
        keys,
        nativeConnection,
        client,
        downloads: new client_2.DownloadClient(client, taskQueue),
        taskQueue,
        serverWorker,
        async close() {
            serverWorker.shutdown();
            await running;
            await ledger.close();
            await connection.close();
            await nativeConnection.close();
            await db.drop();
        },
    };
}
/** A customer with money in both accounts and a card issued to them. */
async function customerWithCard(h, funds = {}) {
    const customerId = uniqueId('cust');
    await h.registry.enrolCustomer({ id: customerId, name: `Customer ${customerId}` });
    if (funds.cash)
        await h.registry.deposit({ depositId: uniqueId('dep'), customerId, amount: funds.cash });
    if (funds.food)
        await h.registry.issueFoodVoucher({ voucherId: uniqueId('fv'), customerId, amount: funds.food });
    const csn = freshCsn();
    await h.registry.issueCard({ csn, customerId });
    return { customerId, csn };
}
/** Available and pending on the customer's account of a purse, in minor units. */
async function customerBalance(h, customerId, purse) {
    const customer = await h.registry.customer(customerId);
    const [account] = await h.ledger.lookupAccounts([purse === 'ecash' ? customer.cashAccountId : customer.foodAccountId]);
    const posted = account.creditsPosted - account.debitsPosted;
    return { posted, pending: account.debitsPending, available: posted - account.debitsPending };
}
async function expectLedgerConsistent(h) {
    const violations = await (0, ledger_1.checkLedgerInvariants)(h.db.db);
    expect(violations).toEqual([]);
}
