"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.newId = exports.EUR_FOOD = exports.EUR = void 0;
exports.openLedgerFixture = openLedgerFixture;
const node_crypto_1 = require("node:crypto");
const postgres_1 = require("../../test-support/postgres");
const index_1 = require("../index");
exports.EUR = 1;
exports.EUR_FOOD = 2;
const newId = () => (0, node_crypto_1.randomUUID)();
exports.newId = newId;
async function openLedgerFixture(name, options = {}) {
    const database = await (0, postgres_1.createTestDatabase)(`ledger_${name}`, { min: 0, max: 8 });
    await (0, index_1.migrateLedger)(database.db);
    const ledger = (0, index_1.createLedger)(database.db, options);
    await ledger.defineLedgers([
        { id: exports.EUR, currency: 'EUR', exponent: 2, name: 'eur-cash' },
        { id: exports.EUR_FOOD, currency: 'EUR', exponent: 2, name: 'eur-food' },
    ]);
    const account = async (code = 'customer_cash', flags = {}, ledgerId = exports.EUR) => {
        const id = (0, exports.newId)();
        const [r] = await ledger.createAccounts([{ id, ledger: ledgerId, code, flags }]);
        if (r.result !== 'ok')
            throw new Error(`fixture account: ${r.result}`);
        return id;
    };
    return {
        database,
        ledger,
        account,
        async funded(amount, flags = { debitsMustNotExceedCredits: true }) {
            const bank = await account('bank');
            const id = await account('customer_cash', flags);
            const [r] = await ledger.createTransfers([{ id: (0, exports.newId)(), debitAccountId: bank, creditAccountId: id, amount, code: 1 }]);
            if (r.result !== 'ok')
                throw new Error(`fixture funding: ${r.result}`);
            return { account: id, bank };
        },
        async expectConsistent() {
            expect(await (0, index_1.checkLedgerInvariants)(database.db)).toEqual([]);
        },
        async close() {
            await ledger.close();
            await database.drop();
        },
    };
}
