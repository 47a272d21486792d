// The age of the oldest download reservation still pending, read from the ledger's journal when
// Prometheus scrapes. The ledger's public face has no "open pending transfers" query yet, so this
// reads its tables (append-only, documented in ledger/migrations): a pending transfer is open
// while ledger_pending_resolutions has no row for it.
import type { Knex } from 'knex';
import { TRANSFER_FLAG_BITS } from '../../ledger';
import { TRANSFER_CODE } from '../registry';
import { ObservabilityError } from './observability-error';

const DOWNLOAD_CODES = [TRANSFER_CODE.downloadEcash, TRANSFER_CODE.downloadFood];

/** Seconds since the oldest open download reservation was made (database clock); 0 when none is open. */
export async function oldestPendingReservationAgeSeconds(knex: Knex): Promise<number> {
  const row = (await knex
    .from('ledger_transfers as t')
    .whereRaw('(t.flags & ?) <> 0', [TRANSFER_FLAG_BITS.pending])
    .whereIn('t.code', DOWNLOAD_CODES)
    .whereNotExists(knex.select(knex.raw('1')).from('ledger_pending_resolutions as r').whereRaw('r.pending_id = t.id'))
    .first(knex.raw('extract(epoch from (now() - min(t."timestamp")))::float8 as age'))) as { age: number | string | null } | undefined;
  const age = row?.age === null || row?.age === undefined ? 0 : Number(row.age);
  if (!Number.isFinite(age)) throw new ObservabilityError('reading_unreadable', `the ledger's oldest pending transfer has no readable age (${String(row?.age)}); check the ledger_transfers timestamps with purseflow ledger check`);
  return Math.max(0, age);
}
