/**
 * Ledgers (currencies) and accounts: creation is idempotent by client id with TigerBeetle's
 * result codes; accounts are never deleted or edited (only the counters and the closed flag move).
 */
import type { Knex } from 'knex';
import { isAccountCode, type Account, type AccountInput, type LedgerDefinition } from './account';
import { inTransaction } from './database';
import { assertLedger, LedgerError } from './errors';
import { ACCOUNT_FLAG_BITS as A, decodeAccountFlags, encodeAccountFlags, hasFlag } from './flags';
import { isLedgerId } from './identifiers';
import { importedTimestampUs } from './imported-event';
import type { CreateAccountResult } from './result-codes';

export interface CreateAccountOutcome {
  readonly id: string;
  readonly result: CreateAccountResult;
}

export interface AccountRecord {
  id: string;
  ledger: number;
  code: string;
  owner_ref: string | null;
  flags: number;
  debits_pending: string;
  debits_posted: string;
  credits_pending: string;
  credits_posted: string;
  metadata: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
}

export function toAccount(r: AccountRecord): Account {
  if (!isAccountCode(r.code)) throw new LedgerError('invariant_broken', `account ${r.id} has unknown code ${r.code}; add it to ACCOUNT_CODES or fix the row.`);
  return {
    id: r.id,
    ledger: r.ledger,
    code: r.code,
    ownerRef: r.owner_ref,
    flags: decodeAccountFlags(r.flags),
    debitsPending: BigInt(r.debits_pending),
    debitsPosted: BigInt(r.debits_posted),
    creditsPending: BigInt(r.credits_pending),
    creditsPosted: BigInt(r.credits_posted),
    metadata: r.metadata,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** JSON with sorted keys, so that metadata compares by content, not by key order. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value as object)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

const MAX_OWNER_REF = 128;

function checkAccountShape(input: AccountInput): CreateAccountResult | null {
  if (!isLedgerId(input.id)) return 'id_must_be_uuid';
  const flags = encodeAccountFlags(input.flags);
  if (hasFlag(flags, A.debitsMustNotExceedCredits) && hasFlag(flags, A.creditsMustNotExceedDebits)) return 'flags_are_mutually_exclusive';
  if (!isAccountCode(input.code)) return 'code_must_be_known';
  if (input.ownerRef !== undefined && input.ownerRef !== null && (typeof input.ownerRef !== 'string' || input.ownerRef.length > MAX_OWNER_REF)) return 'owner_ref_too_long';
  const m = input.metadata;
  if (m !== undefined && m !== null && (typeof m !== 'object' || Array.isArray(m))) return 'metadata_must_be_object';
  return null;
}

interface Comparable {
  ledger: number;
  code: string;
  ownerRef: string | null;
  flags: number;
  metadata: string;
}

function comparable(input: AccountInput): Comparable {
  return {
    ledger: input.ledger,
    code: input.code,
    ownerRef: input.ownerRef ?? null,
    // `linked` only groups a request; it is not a property of the stored account.
    flags: encodeAccountFlags(input.flags) & ~A.linked,
    metadata: canonicalJson(input.metadata ?? null),
  };
}

function compareAccount(wanted: Comparable, stored: Comparable): CreateAccountResult {
  // The closed flag moves after creation (closing transfers), so it is not part of identity.
  if ((wanted.flags & ~A.closed) !== (stored.flags & ~A.closed)) return 'exists_with_different_flags';
  if (wanted.ledger !== stored.ledger) return 'exists_with_different_ledger';
  if (wanted.code !== stored.code) return 'exists_with_different_code';
  if (wanted.ownerRef !== stored.ownerRef) return 'exists_with_different_owner_ref';
  if (wanted.metadata !== stored.metadata) return 'exists_with_different_metadata';
  return 'exists';
}

class ConcurrentAccountCreation extends Error {
  // 23505 makes database.ts retry the transaction, which then answers exists.
  readonly code = '23505';
}

interface ImportClock {
  readonly nowUs: number;
  /** The latest imported timestamp, this request's imports included. */
  lastUs: number;
}

export async function createAccounts(knex: Knex, inputs: readonly AccountInput[]): Promise<CreateAccountOutcome[]> {
  const ids = [...new Set(inputs.map((i) => i.id).filter(isLedgerId))];
  const ledgers = [...new Set(inputs.map((i) => i.ledger).filter((l) => Number.isInteger(l)))];
  const requestImported = inputs[0]?.flags?.imported === true;
  return inTransaction(knex, async (client) => {
    // An importing request holds the import clock to its end: imports are ordered across the
    // ledger, and account creation is rare enough to take turns.
    let clock: ImportClock | null = null;
    if (requestImported) {
      const row = await client.query<{ last_us: string; now_us: string }>({
        text: `SELECT last_us::text, ((extract(epoch FROM clock_timestamp()) * 1000000)::bigint)::text AS now_us FROM ledger_import_clock WHERE id = 1 FOR UPDATE`,
      });
      assertLedger(row.rows.length === 1, 'ledger_import_clock has no row; run migrateLedger');
      clock = { nowUs: Number(row.rows[0].now_us), lastUs: Number(row.rows[0].last_us) };
    }
    const existing = await client.query<AccountRecord>({ text: 'SELECT * FROM ledger_accounts WHERE id = ANY($1::uuid[])', values: [ids] });
    const known = await client.query<{ id: number }>({ text: 'SELECT id FROM ledger_ledgers WHERE id = ANY($1::int[])', values: [ledgers] });
    const knownLedgers = new Set(known.rows.map((r) => r.id));
    const stored = new Map<string, Comparable>(
      existing.rows.map((r) => [r.id, { ledger: r.ledger, code: r.code, ownerRef: r.owner_ref, flags: r.flags, metadata: canonicalJson(r.metadata) }]),
    );
    // An imported account carries its own opening time; a live one (null) opens now.
    const created = new Map<string, { input: AccountInput; openedUs: number | null }>();
    const results: CreateAccountOutcome[] = new Array(inputs.length);
    const decide = (input: AccountInput): CreateAccountResult => {
      // Only an imported request reaches the clock comparison, and it holds the clock.
      const at = importedTimestampUs(input.flags?.imported === true, input.timestamp, requestImported, clock?.nowUs ?? 0);
      if (typeof at === 'string') return at;
      if (!isLedgerId(input.id)) return 'id_must_be_uuid';
      const earlier = created.get(input.id);
      const before = stored.get(input.id) ?? (earlier ? comparable(earlier.input) : undefined);
      if (before) return compareAccount(comparable(input), before);
      const shape = checkAccountShape(input);
      if (shape) return shape;
      if (!knownLedgers.has(input.ledger)) return 'ledger_not_found';
      if (at !== null && clock) {
        if (at <= clock.lastUs) return 'imported_event_timestamp_must_not_regress';
        clock.lastUs = at;
      }
      created.set(input.id, { input, openedUs: at !== null && clock ? at : null });
      return 'ok';
    };
    let chain: string[] = [];
    let chainStart = -1;
    let chainClockUs = 0;
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i];
      const linked = input.flags?.linked === true;
      if (linked && chainStart < 0) {
        chainStart = i;
        chain = [];
        chainClockUs = clock?.lastUs ?? 0;
      }
      const result: CreateAccountResult = linked && i === inputs.length - 1 ? 'linked_event_chain_open' : decide(input);
      results[i] = { id: input.id, result };
      if (chainStart < 0) continue;
      if (result === 'ok') chain.push(input.id);
      if (result !== 'ok' && result !== 'exists') {
        for (const id of chain) created.delete(id);
        // A failed chain leaves no trace, its imports' timestamps included.
        if (clock) clock.lastUs = chainClockUs;
        for (let j = chainStart; j < i; j++) results[j] = { id: inputs[j].id, result: 'linked_event_failed' };
        let j = i + 1;
        if (linked) {
          for (; j < inputs.length; j++) {
            results[j] = { id: inputs[j].id, result: 'linked_event_failed' };
            if (inputs[j].flags?.linked !== true) break;
          }
          i = j;
        }
        chainStart = -1;
        continue;
      }
      if (!linked) chainStart = -1;
    }
    const entries = [...created.values()];
    const rows = entries.map((c) => c.input);
    const openedUs = entries.map((c) => c.openedUs);
    if (rows.length > 0) {
      const inserted = await client.query({
        // An imported account is opened (and last changed) at its own timestamp; a live one now().
        text: `INSERT INTO ledger_accounts (id, ledger, code, owner_ref, flags, metadata, created_at, updated_at)
               SELECT u.id, u.ledger, u.code, u.owner_ref, u.flags, u.metadata, coalesce(t.at, now()), coalesce(t.at, now())
               FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::int[], $6::jsonb[], $7::bigint[]) AS u(id, ledger, code, owner_ref, flags, metadata, opened_us),
                 LATERAL (SELECT timestamptz 'epoch' + u.opened_us * interval '1 microsecond' AS at) t
               ON CONFLICT (id) DO NOTHING`,
        values: [
          rows.map((r) => r.id),
          rows.map((r) => r.ledger),
          rows.map((r) => r.code),
          rows.map((r) => r.ownerRef ?? null),
          rows.map((r) => encodeAccountFlags(r.flags) & ~A.linked),
          rows.map((r) => (r.metadata ? JSON.stringify(r.metadata) : null)),
          openedUs,
        ],
      });
      if (inserted.rowCount !== rows.length) throw new ConcurrentAccountCreation('an account id was created concurrently');
    }
    if (clock && openedUs.some((us) => us !== null)) {
      await client.query({ text: 'UPDATE ledger_import_clock SET last_us = $1 WHERE id = 1', values: [clock.lastUs] });
    }
    return results;
  });
}

export async function lookupAccounts(knex: Knex, ids: readonly string[]): Promise<Account[]> {
  const valid = ids.filter(isLedgerId);
  if (valid.length === 0) return [];
  const rows: AccountRecord[] = await knex('ledger_accounts').whereIn('id', valid);
  const byId = new Map(rows.map((r) => [r.id, toAccount(r)]));
  return valid.map((id) => byId.get(id)).filter((a): a is Account => a !== undefined);
}

/** Most accounts one owner query returns: an owner holds a handful (a customer: cash and food). */
export const MAX_ACCOUNTS_PER_OWNER = 1000;

/**
 * The accounts whose owner_ref is `ownerRef` (the registry's customer or merchant id), oldest
 * first; uses the partial index on owner_ref. An owner_ref no account has gives [].
 */
export async function accountsOfOwner(knex: Knex, ownerRef: string): Promise<Account[]> {
  if (typeof ownerRef !== 'string' || ownerRef.length === 0 || ownerRef.length > MAX_OWNER_REF) {
    throw new LedgerError('input_malformed', `owner_ref must be 1..${MAX_OWNER_REF} characters; pass the owner's id.`);
  }
  const rows: AccountRecord[] = await knex('ledger_accounts').where('owner_ref', ownerRef).orderBy([{ column: 'created_at' }, { column: 'id' }]).limit(MAX_ACCOUNTS_PER_OWNER + 1);
  if (rows.length > MAX_ACCOUNTS_PER_OWNER) {
    throw new LedgerError('query_invalid', `owner_ref ${JSON.stringify(ownerRef)} holds more than ${MAX_ACCOUNTS_PER_OWNER} accounts; an owner_ref names one customer or merchant, not a group.`);
  }
  return rows.map(toAccount);
}

/** Defines ledgers (currencies); idempotent, and refuses to change an existing one. */
export async function defineLedgers(knex: Knex, definitions: readonly LedgerDefinition[]): Promise<void> {
  for (const d of definitions) {
    if (!Number.isInteger(d.id) || d.id <= 0) throw new LedgerError('input_malformed', `ledger id ${d.id} must be a positive integer.`);
    if (!Number.isInteger(d.exponent) || d.exponent < 0 || d.exponent > 18) throw new LedgerError('input_malformed', `ledger ${d.id}: exponent must be an integer 0..18 (2 for EUR).`);
    if (!/^[A-Z0-9_]{1,16}$/.test(d.currency)) throw new LedgerError('input_malformed', `ledger ${d.id}: currency must be an upper-case code like "EUR".`);
  }
  await knex.transaction(async (trx) => {
    for (const d of definitions) {
      await trx.raw('INSERT INTO ledger_ledgers (id, currency, exponent, name) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING', [d.id, d.currency, d.exponent, d.name]);
      const stored = await trx('ledger_ledgers').where({ id: d.id }).first<{ currency: string; exponent: number; name: string }>();
      if (!stored || stored.currency !== d.currency || stored.exponent !== d.exponent || stored.name !== d.name) {
        throw new LedgerError('ledger_definition_conflict', `ledger ${d.id} exists as ${stored?.currency}/${stored?.exponent} "${stored?.name}"; ledgers cannot change, define a new id instead.`);
      }
    }
  });
}

export async function listLedgers(knex: Knex): Promise<LedgerDefinition[]> {
  const rows = await knex('ledger_ledgers').select('id', 'currency', 'exponent', 'name').orderBy('id');
  return rows.map((r: LedgerDefinition) => ({ id: r.id, currency: r.currency, exponent: r.exponent, name: r.name }));
}

