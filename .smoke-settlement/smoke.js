require('../test-support/services-env').loadServicesEnv();
const path = require('node:path');
const fs = require('node:fs');
const B = path.join(__dirname, 'build');
const { createTestDatabase } = require(`${B}/test-support/postgres`);
const cd = require(`${B}/card-driver`);
const { createLedger, migrateLedger } = require(`${B}/ledger`);
const { Registry, migrateRegistry } = require(`${B}/workflows/registry`);
const wf = require(`${B}/workflows`);
const { registerSettlementCommands } = require(`${B}/cli/commands/settlement`);
const { Command } = require('commander');
const { NativeConnection, Worker, bundleWorkflowCode } = require('@temporalio/worker');
(async () => {
  const t = await createTestDatabase('smoke');
  const db = t.db;
  await migrateLedger(db); await migrateRegistry(db); await wf.migrateSettlement(db);
  const ledger = createLedger(db);
  const registry = new Registry({ knex: db, ledger });
  await registry.ensurePlatformAccounts();
  const keys = cd.testKeyStore();
  const tc = '54' + require('crypto').randomBytes(7).toString('hex').toUpperCase();
  await registry.enrolCustomer({ id: 'alice', name: 'Alice' });
  await registry.enrolMerchant({ id: 'm1', name: 'M1', foodEligible: false });
  await registry.addSam({ samId: '53414D0000000001', merchantId: 'm1' });
  await registry.addTransferCard({ transferCardId: tc, merchantId: 'm1' });
  const csn = cd.csnWithCheckDigit('607100000000123');
  await registry.issueCard({ csn, customerId: 'alice' });
  const card = cd.SimulatedCard.issue(keys, csn);
  await cd.performOnlineLoad(cd.inMemoryChannel(card), keys, { purse: 1, amount: 100000n, csn });
  await registry.recordPurseMovement({ key: 'l1', csn, purse: 'ecash', kind: 'load', amountMinor: 100000n });
  const { file } = cd.runMerchant(keys, [card], { samId: '53414D0000000001', transferCardId: tc, amount: 1250n, purchases: 40, faults: { tamperPurchaseMacs: 1 } });
  fs.writeFileSync(path.join(__dirname, 'batch.estb'), file);
  fs.writeFileSync(path.join(__dirname, 'v.csv'), 'customer_id,amount\n' + Array.from({ length: 3000 }, (_, i) => `alice,${(i % 50) + 1}.25`).join('\n') + '\nnobody,3.00\nalice,0\n');
  fs.writeFileSync(path.join(__dirname, 'entry.js'), `exports.SettlementWorkflow = require('./build/workflows/settlement/settlement-workflow').SettlementWorkflow;\nexports.VoucherIssuanceWorkflow = require('./build/workflows/vouchers/voucher-workflow').VoucherIssuanceWorkflow;\n`);
  const taskQueue = 'smoke-' + Date.now();
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({ connection, taskQueue, workflowBundle: await bundleWorkflowCode({ workflowsPath: path.join(__dirname, 'entry.js') }), activities: { ...wf.createSettlementActivities({ db, ledger, keys }), ...wf.createVoucherActivities({ db, ledger }) } });
  const running = worker.run();
  const adminUrl = process.env.DATABASE_URL; process.env.DATABASE_URL = t.url;
  process.env.PURSEFLOW_UPLOAD_DIR = path.join(__dirname, 'uploads');
  for (const argv of [
    ['settlement', 'upload', path.join(__dirname, 'batch.estb'), '--merchant', 'm1', '--task-queue', taskQueue, '--chunk-records', '7'],
    ['settlement', 'upload', path.join(__dirname, 'batch.estb'), '--merchant', 'm1', '--task-queue', taskQueue],
    ['vouchers', 'issue', path.join(__dirname, 'v.csv'), '--task-queue', taskQueue, '--rows-per-chunk', '100'],
    ['merchants', 'payout'],
    ['merchants', 'payout'],
  ]) {
    const program = new Command('purseflow').exitOverride();
    registerSettlementCommands(program);
    console.log('$ purseflow ' + argv.join(' '));
    await program.parseAsync(['node', 'purseflow', ...argv]);
    console.log('exit code', process.exitCode); process.exitCode = 0;
  }
  worker.shutdown(); await running; await ledger.close(); await connection.close(); process.env.DATABASE_URL = adminUrl; await t.drop();
})().catch((e) => { console.error(e); process.exit(1); });
