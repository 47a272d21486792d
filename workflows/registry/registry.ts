// The registry: who the customers, cards, merchants and merchant devices are, and which ledger
// accounts belong to them. Every write is idempotent by a caller-chosen id (a repeated CLI call or
// a retried activity changes nothing), and every ledger effect uses a name-based id.
import type { Knex } from 'knex';
import { isTransferApplied, type AccountInput, type Ledger } from '../../ledger';
import { formatMoney, parseMoney } from './money';
import { RegistryError } from './registry-error';
import { accountIdFor, nameBasedId } from './name-based-id';
import { PURSEFLOW_LEDGER, TRANSFER_CODE } from './transfer-codes';
import { isPurseName, type PurseName } from './purse';

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const CSN_PATTERN = /^[0-9]{16}$/;
const DEVICE_ID_PATTERN = /^[0-9A-F]{16}$/;

export type PlatformAccountCode = 'float_ecash' | 'float_food' | 'bank' | 'programme';

export interface Customer {
  readonly id: string;
  readonly name: string;
  readonly cashAccountId: string;
  readonly foodAccountId: string;
}

export type CardStatus = 'active' | 'blocked';

export interface PurseShadow {
  readonly loadedMinor: bigint;
  readonly spentMinor: bigint;
  /** Loaded minus settled purchases; negative means the card spent more than it was given. */
  readonly shadowMinor: bigint;
  readonly overspent: boolean;
}

export interface Card {
  readonly csn: string;
  readonly customerId: string;
  readonly status: CardStatus;
  readonly blockedReason: string | null;
  readonly purses: Readonly<Record<PurseName, PurseShadow>>;
}

export interface Merchant {
  readonly id: string;
  readonly name: string;
  readonly foodEligible: boolean;
  readonly payableAccountId: string;
  readonly samIds: readonly string[];
  readonly transferCardIds: readonly string[];
}

export interface Funding {
  readonly id: string;
  readonly kind: 'deposit' | 'food_voucher';
  readonly customerId: string;
  readonly amount: string;
  readonly transferId: string;
}

/** Everything a download needs to know about a card, in one read. */
export interface CardForDownload {
  readonly card: Card;
  readonly customer: Customer;
  /** The customer account debited by a load of this purse. */
  readonly sourceAccountId: string;
  /** The float account credited by a load of this purse. */
  readonly floatAccountId: string;
}

export interface RegistryOptions {
  readonly knex: Knex;
  readonly ledger: Ledger;
}

function checkId(id: unknown, what: string): string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw new RegistryError('id_invalid', `The ${what} id ${JSON.stringify(id)} must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit.`);
  }
  return id;
}

function checkName(name: unknown, what: string): string {
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > 200) {
    throw new RegistryError('name_invalid', `The ${what} name must be 1-200 characters.`);
  }
  return name.trim();
}

/** A CSN as the registry stores it: 16 digits, no spaces. The Luhn digit is checked by card-driver's parseCsn at the edge. */
function checkCsn(csn: unknown): string {
  const digits = typeof csn === 'string' ? csn.replace(/[\s-]/g, '') : '';
  if (!CSN_PATTERN.test(digits)) throw new RegistryError('id_invalid', `The card serial number ${JSON.stringify(csn)} must be 16 digits.`);
  return digits;
}

function checkDeviceId(id: unknown, what: string): string {
  const hex = typeof id === 'string' ? id.replace(/\s+/g, '').toUpperCase() : '';
  if (!DEVICE_ID_PATTERN.test(hex)) throw new RegistryError('id_invalid', `The ${what} id ${JSON.stringify(id)} must be 16 hexadecimal digits.`);
  return hex;
}

interface CardRow {
  csn: string;
  customer_id: string;
  status: CardStatus;
  blocked_reason: string | null;
}

interface PurseRow {
  purse: PurseName;
  loaded_minor: string;
  spent_minor: string;
}

export class Registry {
  readonly #knex: Knex;
  readonly #ledger: Ledger;

  constructor(options: RegistryOptions) {
    this.#knex = options.knex;
    this.#ledger = options.ledger;
  }

  static platformAccountId(code: PlatformAccountCode): string {
    return accountIdFor(code, null);
  }

  /** The currency ledger and the platform's float, bank and programme accounts; idempotent. */
  async ensurePlatformAccounts(): Promise<void> {
    await this.#ledger.defineLedgers([PURSEFLOW_LEDGER]);
    // The floats hold what is on cards; bank and programme are the outside world and may go either way.
    await this.#createAccounts([
      { id: Registry.platformAccountId('float_ecash'), ledger: PURSEFLOW_LEDGER.id, code: 'float_ecash' },
      { id: Registry.platformAccountId('float_food'), ledger: PURSEFLOW_LEDGER.id, code: 'float_food' },
      { id: Registry.platformAccountId('bank'), ledger: PURSEFLOW_LEDGER.id, code: 'bank' },
      { id: Registry.platformAccountId('programme'), ledger: PURSEFLOW_LEDGER.id, code: 'programme' },
    ]);
  }

  /** Enrols a customer with a virtual (cash) and a food-voucher account. Repeating it is a no-op. */
  async enrolCustomer(input: { id: string; name: string }): Promise<Customer> {
    const id = checkId(input.id, 'customer');
    const name = checkName(input.name, 'customer');
    const owner = `customer:${id}`;
    const cashAccountId = accountIdFor('customer_cash', owner);
    const foodAccountId = accountIdFor('customer_food', owner);
    // A customer can never spend more than was put in: the ledger refuses an overdraft.
    await this.#createAccounts([
      { id: cashAccountId, ledger: PURSEFLOW_LEDGER.id, code: 'customer_cash', ownerRef: owner, flags: { debitsMustNotExceedCredits: true } },
      { id: foodAccountId, ledger: PURSEFLOW_LEDGER.id, code: 'customer_food', ownerRef: owner, flags: { debitsMustNotExceedCredits: true } },
    ]);
    await this.#knex('registry_customers')
      .insert({ id, name, cash_account_id: cashAccountId, food_account_id: foodAccountId })
      .onConflict('id')
      .ignore();
    const stored = await this.customer(id);
    if (stored.name !== name) {
      throw new RegistryError('customer_exists_differently', `Customer ${id} is already enrolled as "${stored.name}"; use another id or the same name.`);
    }
    return stored;
  }

  async customer(id: string): Promise<Customer> {
    const row = await this.#knex('registry_customers').where({ id: checkId(id, 'customer') }).first();
    if (!row) throw new RegistryError('customer_unknown', `No customer ${id}; enrol them first (purseflow customers enrol).`);
    return { id: row.id, name: row.name, cashAccountId: row.cash_account_id, foodAccountId: row.food_account_id };
  }

  /** Issues (registers) a card to a customer. Repeating it for the same customer is a no-op. */
  async issueCard(input: { csn: string; customerId: string }): Promise<Card> {
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
      throw new RegistryError('card_owned_by_another_customer', `Card ${csn} is registered to another customer; block it there first if it changed hands.`);
    }
    return card;
  }

  async blockCard(csnText: string, reason: string): Promise<Card> {
    const csn = checkCsn(csnText);
    if (typeof reason !== 'string' || reason.trim().length === 0) throw new RegistryError('name_invalid', 'Say why the card is blocked (lost, stolen, fraud…).');
    const updated = await this.#knex('registry_cards')
      .where({ csn })
      .update({ status: 'blocked', blocked_reason: reason.trim(), status_changed_at: this.#knex.fn.now() });
    if (updated === 0) throw new RegistryError('card_unknown', `No card ${csn}; issue it first (purseflow cards issue).`);
    return this.card(csn);
  }

  async unblockCard(csnText: string): Promise<Card> {
    const csn = checkCsn(csnText);
    const updated = await this.#knex('registry_cards').where({ csn }).update({ status: 'active', blocked_reason: null, status_changed_at: this.#knex.fn.now() });
    if (updated === 0) throw new RegistryError('card_unknown', `No card ${csn}; issue it first (purseflow cards issue).`);
    return this.card(csn);
  }

  async card(csnText: string): Promise<Card> {
    const csn = checkCsn(csnText);
    const row = await this.#knex<CardRow>('registry_cards').where({ csn }).first();
    if (!row) throw new RegistryError('card_unknown', `No card ${csn} is registered; issue it to a customer first (purseflow cards issue).`);
    const purses: PurseRow[] = await this.#knex('registry_card_purses').where({ csn }).select('purse', 'loaded_minor', 'spent_minor');
    const shadow = (purse: PurseName): PurseShadow => {
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

  async cardsOf(customerId: string): Promise<Card[]> {
    const csns: string[] = await this.#knex('registry_cards').where({ customer_id: checkId(customerId, 'customer') }).orderBy('csn').pluck('csn');
    return Promise.all(csns.map((csn) => this.card(csn)));
  }

  /**
   * Assigns a reader (its agent polls `reader-<readerId>`) to a customer. Repeating it is a no-op;
   * a reader of another customer is refused, so a reader changes hands only on purpose
   * (`reassign: true`, e.g. support handing a returned reader to someone else).
   */
  async assignReader(input: { readerId: string; customerId: string; reassign?: boolean }): Promise<{ readerId: string; customerId: string }> {
    const readerId = checkId(input.readerId, 'reader');
    const customer = await this.customer(input.customerId);
    const insert = this.#knex('registry_readers').insert({ reader_id: readerId, customer_id: customer.id }).onConflict('reader_id');
    await (input.reassign === true ? insert.merge({ customer_id: customer.id, assigned_at: this.#knex.fn.now() }) : insert.ignore());
    const row: { customer_id: string } = await this.#knex('registry_readers').where({ reader_id: readerId }).first('customer_id');
    if (row.customer_id !== customer.id) {
      throw new RegistryError('reader_owned_by_another_customer', `Reader ${readerId} is assigned to customer ${row.customer_id}; pass --reassign to hand it to ${customer.id}.`);
    }
    return { readerId, customerId: customer.id };
  }

  /** The card, its owner and the two accounts a load of `purse` moves money between. */
  async cardForDownload(csnText: string, purse: PurseName): Promise<CardForDownload> {
    if (!isPurseName(purse)) throw new RegistryError('id_invalid', `Purse ${JSON.stringify(purse)} is neither ecash nor food.`);
    const card = await this.card(csnText);
    const customer = await this.customer(card.customerId);
    return {
      card,
      customer,
      sourceAccountId: purse === 'ecash' ? customer.cashAccountId : customer.foodAccountId,
      floatAccountId: Registry.platformAccountId(purse === 'ecash' ? 'float_ecash' : 'float_food'),
    };
  }

  /**
   * Counts a purse movement into the card's shadow balance once per `key` (a load's transfer id,
   * a settled record's key). Returns false when the key was counted before.
   */
  async recordPurseMovement(input: { key: string; csn: string; purse: PurseName; kind: 'load' | 'purchase'; amountMinor: bigint }): Promise<boolean> {
    const csn = checkCsn(input.csn);
    if (!isPurseName(input.purse)) throw new RegistryError('id_invalid', `Purse ${JSON.stringify(input.purse)} is neither ecash nor food.`);
    if (typeof input.amountMinor !== 'bigint' || input.amountMinor <= 0n) throw new RegistryError('amount_invalid', 'A purse movement has a positive bigint amount of minor units.');
    return this.#knex.transaction(async (trx) => {
      const inserted = await trx('registry_purse_movements')
        .insert({ key: input.key, csn, purse: input.purse, kind: input.kind, amount_minor: input.amountMinor.toString() })
        .onConflict('key')
        .ignore()
        .returning('key');
      if (inserted.length === 0) return false;
      const column = input.kind === 'load' ? 'loaded_minor' : 'spent_minor';
      // bigint text, not a JS number: knex's increment() would take a number.
      const updated = await trx('registry_card_purses')
        .where({ csn, purse: input.purse })
        .update({ [column]: trx.raw('?? + ?::bigint', [column, input.amountMinor.toString()]) });
      if (updated !== 1) throw new RegistryError('card_unknown', `No card ${csn} is registered; issue it first.`);
      return true;
    });
  }

  /** Cards whose settled purchases exceed what was loaded onto them (a cloned or tampered card?). */
  async overspentCards(): Promise<{ csn: string; purse: PurseName; loadedMinor: bigint; spentMinor: bigint }[]> {
    const rows = await this.#knex('registry_card_purses').where({ overspent: true }).orderBy(['csn', 'purse']);
    return rows.map((r: { csn: string; purse: PurseName; loaded_minor: string; spent_minor: string }) => ({
      csn: r.csn,
      purse: r.purse,
      loadedMinor: BigInt(r.loaded_minor),
      spentMinor: BigInt(r.spent_minor),
    }));
  }

  /** Enrols a merchant with its payable account. Repeating it with the same fields is a no-op. */
  async enrolMerchant(input: { id: string; name: string; foodEligible: boolean }): Promise<Merchant> {
    const id = checkId(input.id, 'merchant');
    const name = checkName(input.name, 'merchant');
    if (typeof input.foodEligible !== 'boolean') throw new RegistryError('name_invalid', 'Say whether the merchant may take food vouchers (foodEligible true or false).');
    const owner = `merchant:${id}`;
    const payableAccountId = accountIdFor('merchant_payable', owner);
    await this.#createAccounts([
      { id: payableAccountId, ledger: PURSEFLOW_LEDGER.id, code: 'merchant_payable', ownerRef: owner, flags: { debitsMustNotExceedCredits: true } },
    ]);
    await this.#knex('registry_merchants')
      .insert({ id, name, food_eligible: input.foodEligible, payable_account_id: payableAccountId })
      .onConflict('id')
      .ignore();
    const stored = await this.merchant(id);
    if (stored.name !== name || stored.foodEligible !== input.foodEligible) {
      throw new RegistryError(
        'merchant_exists_differently',
        `Merchant ${id} is already enrolled as "${stored.name}" (food vouchers ${stored.foodEligible ? 'allowed' : 'not allowed'}); use another id or the same fields.`,
      );
    }
    return stored;
  }

  async merchant(id: string): Promise<Merchant> {
    const row = await this.#knex('registry_merchants').where({ id: checkId(id, 'merchant') }).first();
    if (!row) throw new RegistryError('merchant_unknown', `No merchant ${id}; enrol it first (purseflow merchants enrol).`);
    const sams = await this.#knex('registry_sams').where({ merchant_id: id }).orderBy('sam_id').pluck('sam_id');
    const transferCards = await this.#knex('registry_transfer_cards').where({ merchant_id: id }).orderBy('transfer_card_id').pluck('transfer_card_id');
    return { id: row.id, name: row.name, foodEligible: row.food_eligible, payableAccountId: row.payable_account_id, samIds: sams, transferCardIds: transferCards };
  }

  /** Registers a SAM (purchase module) to a merchant; repeating it is a no-op. */
  async addSam(input: { samId: string; merchantId: string }): Promise<Merchant> {
    return this.#addDevice('registry_sams', 'sam_id', checkDeviceId(input.samId, 'SAM'), input.merchantId, 'SAM');
  }

  /** Registers a Transfer card to a merchant; repeating it is a no-op. */
  async addTransferCard(input: { transferCardId: string; merchantId: string }): Promise<Merchant> {
    return this.#addDevice('registry_transfer_cards', 'transfer_card_id', checkDeviceId(input.transferCardId, 'Transfer card'), input.merchantId, 'Transfer card');
  }

  /** The merchant a SAM belongs to, or undefined. */
  async merchantOfSam(samId: string): Promise<string | undefined> {
    const row = await this.#knex('registry_sams').where({ sam_id: checkDeviceId(samId, 'SAM') }).first();
    return row?.merchant_id;
  }

  /** The merchant a Transfer card belongs to, or undefined. */
  async merchantOfTransferCard(transferCardId: string): Promise<string | undefined> {
    const row = await this.#knex('registry_transfer_cards').where({ transfer_card_id: checkDeviceId(transferCardId, 'Transfer card') }).first();
    return row?.merchant_id;
  }

  /** Money deposited into a customer's virtual account (bank → customer_cash), once per deposit id. */
  deposit(input: { depositId: string; customerId: string; amount: string }): Promise<Funding> {
    return this.#fund('deposit', input.depositId, input.customerId, input.amount);
  }

  /** A food voucher issued by the programme (programme → customer_food), once per voucher id. */
  issueFoodVoucher(input: { voucherId: string; customerId: string; amount: string }): Promise<Funding> {
    return this.#fund('food_voucher', input.voucherId, input.customerId, input.amount);
  }

  async #fund(kind: 'deposit' | 'food_voucher', fundingId: string, customerId: string, amountText: string): Promise<Funding> {
    if (typeof fundingId !== 'string' || fundingId.length === 0 || fundingId.length > 128) {
      throw new RegistryError('id_invalid', `A ${kind === 'deposit' ? 'deposit' : 'voucher'} id is 1-128 characters (e.g. the bank reference).`);
    }
    const amount = parseMoney(amountText);
    const customer = await this.customer(customerId);
    const transferId = nameBasedId(`funding/${kind}/${fundingId}`);
    const existing = await this.#knex('registry_fundings').where({ id: fundingId }).first();
    if (existing && (existing.kind !== kind || existing.customer_id !== customer.id || BigInt(existing.amount_minor) !== amount)) {
      throw new RegistryError('deposit_exists_differently', `${fundingId} was already recorded for ${existing.customer_id} (${formatMoney(BigInt(existing.amount_minor))}); use a new id for a new payment.`);
    }
    const [outcome] = await this.#ledger.createTransfers([
      {
        id: transferId,
        debitAccountId: Registry.platformAccountId(kind === 'deposit' ? 'bank' : 'programme'),
        creditAccountId: kind === 'deposit' ? customer.cashAccountId : customer.foodAccountId,
        amount,
        code: kind === 'deposit' ? TRANSFER_CODE.deposit : TRANSFER_CODE.foodVoucher,
        userData: fundingId.slice(0, 128),
      },
    ]);
    if (!isTransferApplied(outcome.result)) {
      throw new RegistryError('ledger_refused', `The ledger refused ${kind} ${fundingId}: ${outcome.result}. Run purseflow services status and check the platform accounts (registry ensurePlatformAccounts).`);
    }
    await this.#knex('registry_fundings')
      .insert({ id: fundingId, kind, customer_id: customer.id, amount_minor: amount.toString(), transfer_id: transferId })
      .onConflict('id')
      .ignore();
    return { id: fundingId, kind, customerId: customer.id, amount: formatMoney(amount), transferId };
  }

  async #addDevice(table: string, column: string, deviceId: string, merchantId: string, what: string): Promise<Merchant> {
    const merchant = await this.merchant(merchantId);
    await this.#knex(table)
      .insert({ [column]: deviceId, merchant_id: merchant.id })
      .onConflict(column)
      .ignore();
    const row = await this.#knex(table).where({ [column]: deviceId }).first();
    if (row.merchant_id !== merchant.id) {
      throw new RegistryError('device_owned_by_another_merchant', `${what} ${deviceId} belongs to merchant ${row.merchant_id}; it cannot be registered to ${merchant.id}.`);
    }
    return this.merchant(merchant.id);
  }

  async #createAccounts(inputs: AccountInput[]): Promise<void> {
    const outcomes = await this.#ledger.createAccounts(inputs);
    const refused = outcomes.filter((o) => o.result !== 'ok' && o.result !== 'exists');
    if (refused.length > 0) {
      throw new RegistryError(
        'ledger_refused',
        `The ledger refused to create ${refused.map((o) => `${o.id} (${o.result})`).join(', ')}; run ensurePlatformAccounts first and check the ledger migrations.`,
      );
    }
  }
}
