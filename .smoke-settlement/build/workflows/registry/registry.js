"use strict";
var _a;
Object.defineProperty(exports, "__esModule", { value: true });
exports.Registry = void 0;
const ledger_1 = require("../../ledger");
const money_1 = require("./money");
const registry_error_1 = require("./registry-error");
const name_based_id_1 = require("./name-based-id");
const transfer_codes_1 = require("./transfer-codes");
const purse_1 = require("./purse");
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const CSN_PATTERN = /^[0-9]{16}$/;
const DEVICE_ID_PATTERN = /^[0-9A-F]{16}$/;
function checkId(id, what) {
    if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
        throw new registry_error_1.RegistryError('id_invalid', `The ${what} id ${JSON.stringify(id)} must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit.`);
    }
    return id;
}
function checkName(name, what) {
    if (typeof name !== 'string' || name.trim().length === 0 || name.length > 200) {
        throw new registry_error_1.RegistryError('name_invalid', `The ${what} name must be 1-200 characters.`);
    }
    return name.trim();
}
/** A CSN as the registry stores it: 16 digits, no spaces. The Luhn digit is checked by card-driver's parseCsn at the edge. */
function checkCsn(csn) {
    const digits = typeof csn === 'string' ? csn.replace(/[\s-]/g, '') : '';
    if (!CSN_PATTERN.test(digits))
        throw new registry_error_1.RegistryError('id_invalid', `The card serial number ${JSON.stringify(csn)} must be 16 digits.`);
    return digits;
}
function checkDeviceId(id, what) {
    const hex = typeof id === 'string' ? id.replace(/\s+/g, '').toUpperCase() : '';
    if (!DEVICE_ID_PATTERN.test(hex))
        throw new registry_error_1.RegistryError('id_invalid', `The ${what} id ${JSON.stringify(id)} must be 16 hexadecimal digits.`);
    return hex;
}
class Registry {
    #knex;
    #ledger;
    constructor(options) {
        this.#knex = options.knex;
        this.#ledger = options.ledger;
    }
    static platformAccountId(code) {
        return (0, name_based_id_1.accountIdFor)(code, null);
    }
    /** The currency ledger and the platform's float, bank and programme accounts; idempotent. */
    async ensurePlatformAccounts() {
        await this.#ledger.defineLedgers([transfer_codes_1.PURSEFLOW_LEDGER]);
        // The floats hold what is on cards; bank and programme are the outside world and may go either way.
        await this.#createAccounts([
            { id: _a.platformAccountId('float_ecash'), ledger: transfer_codes_1.PURSEFLOW_LEDGER.id, code: 'float_ecash' },
            { id: _a.platformAccountId('float_food'), ledger: transfer_codes_1.PURSEFLOW_LEDGER.id, code: 'float_food' },
            { id: _a.platformAccountId('bank'), ledger: transfer_codes_1.PURSEFLOW_LEDGER.id, code: 'bank' },
            { id: _a.platformAccountId('programme'), ledger: transfer_codes_1.PURSEFLOW_LEDGER.id, code: 'programme' },
        ]);
    }
    /** Enrols a customer with a virtual (cash) and a food-voucher account. Repeating it is a no-op. */
    async enrolCustomer(input) {
        const id = checkId(input.id, 'customer');
        const name = checkName(input.name, 'customer');
        const owner = `customer:${id}`;
        const cashAccountId = (0, name_based_id_1.accountIdFor)('customer_cash', owner);
        const foodAccountId = (0, name_based_id_1.accountIdFor)('customer_food', owner);
        // A customer can never spend more than was put in: the ledger refuses an overdraft.
        await this.#createAccounts([
            { id: cashAccountId, ledger: transfer_codes_1.PURSEFLOW_LEDGER.id, code: 'customer_cash', ownerRef: owner, flags: { debitsMustNotExceedCredits: true } },
            { id: foodAccountId, ledger: transfer_codes_1.PURSEFLOW_LEDGER.id, code: 'customer_food', ownerRef: owner, flags: { debitsMustNotExceedCredits: true } },
        ]);
        await this.#knex('registry_customers')
            .insert({ id, name, cash_account_id: cashAccountId, food_account_id: foodAccountId })
            .onConflict('id')
            .ignore();
        const stored = await this.customer(id);
        if (stored.name !== name) {
            throw new registry_error_1.RegistryError('customer_exists_differently', `Customer ${id} is already enrolled as "${stored.name}"; use another id or the same name.`);
        }
        return stored;
    }
    async customer(id) {
        const row = await this.#knex('registry_customers').where({ id: checkId(id, 'customer') }).first();
        if (!row)
            throw new registry_error_1.RegistryError('customer_unknown', `No customer ${id}; enrol them first (purseflow customers enrol).`);
        return { id: row.id, name: row.name, cashAccountId: row.cash_account_id, foodAccountId: row.food_account_id };
    }
    /** Issues (registers) a card to a customer. Repeating it for the same customer is a no-op. */
    async issueCard(input) {
        const csn = checkCsn(input.csn);
        const customer = await this.customer(input.customerId);
        await this.#knex.transaction(async (trx) => {
            await trx('registry_cards').insert({ csn, customer_id: customer.id }).onConflict('csn').ignore();
            await trx('registry_card_purses')
                .insert([
                { csn, purse: 'ecash' },
                { csn, purse: 'food' },
            ])
                .onConflict(['csn', 'purse'])
                .ignore();
        });
        const card = await this.card(csn);
        if (card.customerId !== customer.id) {
            throw new registry_error_1.RegistryError('card_owned_by_another_customer', `Card ${csn} is registered to another customer; block it there first if it changed hands.`);
        }
        return card;
    }
    async blockCard(csnText, reason) {
        const csn = checkCsn(csnText);
        if (typeof reason !== 'string' || reason.trim().length === 0)
            throw new registry_error_1.RegistryError('name_invalid', 'Say why the card is blocked (lost, stolen, fraud…).');
        const updated = await this.#knex('registry_cards')
            .where({ csn })
            .update({ status: 'blocked', blocked_reason: reason.trim(), status_changed_at: this.#knex.fn.now() });
        if (updated === 0)
            throw new registry_error_1.RegistryError('card_unknown', `No card ${csn}; issue it first (purseflow cards issue).`);
        return this.card(csn);
    }
    async unblockCard(csnText) {
        const csn = checkCsn(csnText);
        const updated = await this.#knex('registry_cards').where({ csn }).update({ status: 'active', blocked_reason: null, status_changed_at: this.#knex.fn.now() });
        if (updated === 0)
            throw new registry_error_1.RegistryError('card_unknown', `No card ${csn}; issue it first (purseflow cards issue).`);
        return this.card(csn);
    }
    async card(csnText) {
        const csn = checkCsn(csnText);
        const row = await this.#knex('registry_cards').where({ csn }).first();
        if (!row)
            throw new registry_error_1.RegistryError('card_unknown', `No card ${csn} is registered; issue it to a customer first (purseflow cards issue).`);
        const purses = await this.#knex('registry_card_purses').where({ csn }).select('purse', 'loaded_minor', 'spent_minor');
        const shadow = (purse) => {
            const p = purses.find((r) => r.purse === purse);
            const loadedMinor = BigInt(p?.loaded_minor ?? '0');
            const spentMinor = BigInt(p?.spent_minor ?? '0');
            return { loadedMinor, spentMinor, shadowMinor: loadedMinor - spentMinor, overspent: spentMinor > loadedMinor };
        };
        return {
            csn: row.csn,
            customerId: row.customer_id,
            status: row.status,
            blockedReason: row.blocked_reason,
            purses: { ecash: shadow('ecash'), food: shadow('food') },
        };
    }
    async cardsOf(customerId) {
        const csns = await this.#knex('registry_cards').where({ customer_id: checkId(customerId, 'customer') }).orderBy('csn').pluck('csn');
        return Promise.all(csns.map((csn) => this.card(csn)));
    }
    /** The card, its owner and the two accounts a load of `purse` moves money between. */
    async cardForDownload(csnText, purse) {
        if (!(0, purse_1.isPurseName)(purse))
            throw new registry_error_1.RegistryError('id_invalid', `Purse ${JSON.stringify(purse)} is neither ecash nor food.`);
        const card = await this.card(csnText);
        const customer = await this.customer(card.customerId);
        return {
            card,
            customer,
            sourceAccountId: purse === 'ecash' ? customer.cashAccountId : customer.foodAccountId,
            floatAccountId: _a.platformAccountId(purse === 'ecash' ? 'float_ecash' : 'float_food'),
        };
    }
    /**
     * Counts a purse movement into the card's shadow balance once per `key` (a load's transfer id,
     * a settled record's key). Returns false when the key was counted before.
     */
    async recordPurseMovement(input) {
        const csn = checkCsn(input.csn);
        if (!(0, purse_1.isPurseName)(input.purse))
            throw new registry_error_1.RegistryError('id_invalid', `Purse ${JSON.stringify(input.purse)} is neither ecash nor food.`);
        if (typeof input.amountMinor !== 'bigint' || input.amountMinor <= 0n)
            throw new registry_error_1.RegistryError('amount_invalid', 'A purse movement has a positive bigint amount of minor units.');
        return this.#knex.transaction(async (trx) => {
            const inserted = await trx('registry_purse_movements')
                .insert({ key: input.key, csn, purse: input.purse, kind: input.kind, amount_minor: input.amountMinor.toString() })
                .onConflict('key')
                .ignore()
                .returning('key');
            if (inserted.length === 0)
                return false;
            const column = input.kind === 'load' ? 'loaded_minor' : 'spent_minor';
            // bigint text, not a JS number: knex's increment() would take a number.
            const updated = await trx('registry_card_purses')
                .where({ csn, purse: input.purse })
                .update({ [column]: trx.raw('?? + ?::bigint', [column, input.amountMinor.toString()]) });
            if (updated !== 1)
                throw new registry_error_1.RegistryError('card_unknown', `No card ${csn} is registered; issue it first.`);
            return true;
        });
    }
    /** Cards whose settled purchases exceed what was loaded onto them (a cloned or tampered card?). */
    async overspentCards() {
        const rows = await this.#knex('registry_card_purses').where({ overspent: true }).orderBy(['csn', 'purse']);
        return rows.map((r) => ({
            csn: r.csn,
            purse: r.purse,
            loadedMinor: BigInt(r.loaded_minor),
            spentMinor: BigInt(r.spent_minor),
        }));
    }
    /** Enrols a merchant with its payable account. Repeating it with the same fields is a no-op. */
    async enrolMerchant(input) {
        const id = checkId(input.id, 'merchant');
        const name = checkName(input.name, 'merchant');
        if (typeof input.foodEligible !== 'boolean')
            throw new registry_error_1.RegistryError('name_invalid', 'Say whether the merchant may take food vouchers (foodEligible true or false).');
        const owner = `merchant:${id}`;
        const payableAccountId = (0, name_based_id_1.accountIdFor)('merchant_payable', owner);
        await this.#createAccounts([
            { id: payableAccountId, ledger: transfer_codes_1.PURSEFLOW_LEDGER.id, code: 'merchant_payable', ownerRef: owner, flags: { debitsMustNotExceedCredits: true } },
        ]);
        await this.#knex('registry_merchants')
            .insert({ id, name, food_eligible: input.foodEligible, payable_account_id: payableAccountId })
            .onConflict('id')
            .ignore();
        const stored = await this.merchant(id);
        if (stored.name !== name || stored.foodEligible !== input.foodEligible) {
            throw new registry_error_1.RegistryError('merchant_exists_differently', `Merchant ${id} is already enrolled as "${stored.name}" (food vouchers ${stored.foodEligible ? 'allowed' : 'not allowed'}); use another id or the same fields.`);
        }
        return stored;
    }
    async merchant(id) {
        const row = await this.#knex('registry_merchants').where({ id: checkId(id, 'merchant') }).first();
        if (!row)
            throw new registry_error_1.RegistryError('merchant_unknown', `No merchant ${id}; enrol it first (purseflow merchants enrol).`);
        const sams = await this.#knex('registry_sams').where({ merchant_id: id }).orderBy('sam_id').pluck('sam_id');
        const transferCards = await this.#knex('registry_transfer_cards').where({ merchant_id: id }).orderBy('transfer_card_id').pluck('transfer_card_id');
        return { id: row.id, name: row.name, foodEligible: row.food_eligible, payableAccountId: row.payable_account_id, samIds: sams, transferCardIds: transferCards };
    }
    /** Registers a SAM (purchase module) to a merchant; repeating it is a no-op. */
    async addSam(input) {
        return this.#addDevice('registry_sams', 'sam_id', checkDeviceId(input.samId, 'SAM'), input.merchantId, 'SAM');
    }
    /** Registers a Transfer card to a merchant; repeating it is a no-op. */
    async addTransferCard(input) {
        return this.#addDevice('registry_transfer_cards', 'transfer_card_id', checkDeviceId(input.transferCardId, 'Transfer card'), input.merchantId, 'Transfer card');
    }
    /** The merchant a SAM belongs to, or undefined. */
    async merchantOfSam(samId) {
        const row = await this.#knex('registry_sams').where({ sam_id: checkDeviceId(samId, 'SAM') }).first();
        return row?.merchant_id;
    }
    /** The merchant a Transfer card belongs to, or undefined. */
    async merchantOfTransferCard(transferCardId) {
        const row = await this.#knex('registry_transfer_cards').where({ transfer_card_id: checkDeviceId(transferCardId, 'Transfer card') }).first();
        return row?.merchant_id;
    }
    /** Money deposited into a customer's virtual account (bank → customer_cash), once per deposit id. */
    deposit(input) {
        return this.#fund('deposit', input.depositId, input.customerId, input.amount);
    }
    /** A food voucher issued by the programme (programme → customer_food), once per voucher id. */
    issueFoodVoucher(input) {
        return this.#fund('food_voucher', input.voucherId, input.customerId, input.amount);
    }
    async #fund(kind, fundingId, customerId, amountText) {
        if (typeof fundingId !== 'string' || fundingId.length === 0 || fundingId.length > 128) {
            throw new registry_error_1.RegistryError('id_invalid', `A ${kind === 'deposit' ? 'deposit' : 'voucher'} id is 1-128 characters (e.g. the bank reference).`);
        }
        const amount = (0, money_1.parseMoney)(amountText);
        const customer = await this.customer(customerId);
        const transferId = (0, name_based_id_1.nameBasedId)(`funding/${kind}/${fundingId}`);
        const existing = await this.#knex('registry_fundings').where({ id: fundingId }).first();
        if (existing && (existing.kind !== kind || existing.customer_id !== customer.id || BigInt(existing.amount_minor) !== amount)) {
            throw new registry_error_1.RegistryError('deposit_exists_differently', `${fundingId} was already recorded for ${existing.customer_id} (${(0, money_1.formatMoney)(BigInt(existing.amount_minor))}); use a new id for a new payment.`);
        }
        const [outcome] = await this.#ledger.createTransfers([
            {
                id: transferId,
                debitAccountId: _a.platformAccountId(kind === 'deposit' ? 'bank' : 'programme'),
                creditAccountId: kind === 'deposit' ? customer.cashAccountId : customer.foodAccountId,
                amount,
                code: kind === 'deposit' ? transfer_codes_1.TRANSFER_CODE.deposit : transfer_codes_1.TRANSFER_CODE.foodVoucher,
                userData: fundingId.slice(0, 128),
            },
        ]);
        if (!(0, ledger_1.isTransferApplied)(outcome.result)) {
            throw new registry_error_1.RegistryError('ledger_refused', `The ledger refused ${kind} ${fundingId}: ${outcome.result}. Run purseflow services status and check the platform accounts (registry ensurePlatformAccounts).`);
        }
        await this.#knex('registry_fundings')
            .insert({ id: fundingId, kind, customer_id: customer.id, amount_minor: amount.toString(), transfer_id: transferId })
            .onConflict('id')
            .ignore();
        return { id: fundingId, kind, customerId: customer.id, amount: (0, money_1.formatMoney)(amount), transferId };
    }
    async #addDevice(table, column, deviceId, merchantId, what) {
        const merchant = await this.merchant(merchantId);
        await this.#knex(table)
            .insert({ [column]: deviceId, merchant_id: merchant.id })
            .onConflict(column)
            .ignore();
        const row = await this.#knex(table).where({ [column]: deviceId }).first();
        if (row.merchant_id !== merchant.id) {
            throw new registry_error_1.RegistryError('device_owned_by_another_merchant', `${what} ${deviceId} belongs to merchant ${row.merchant_id}; it cannot be registered to ${merchant.id}.`);
        }
        return this.merchant(merchant.id);
    }
    async #createAccounts(inputs) {
        const outcomes = await this.#ledger.createAccounts(inputs);
        const refused = outcomes.filter((o) => o.result !== 'ok' && o.result !== 'exists');
        if (refused.length > 0) {
            throw new registry_error_1.RegistryError('ledger_refused', `The ledger refused to create ${refused.map((o) => `${o.id} (${o.result})`).join(', ')}; run ensurePlatformAccounts first and check the ledger migrations.`);
        }
    }
}
exports.Registry = Registry;
_a = Registry;
