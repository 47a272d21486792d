/**
 * The checks of an imported event (account or transfer) that need no stored state, which
 * TigerBeetle makes before any other: a request is imported or live as a whole (its first event
 * says which), and an imported event carries its own past timestamp.
 */
export type ImportShapeFailure =
  | 'imported_event_expected'
  | 'imported_event_not_expected'
  | 'timestamp_must_be_zero'
  | 'imported_event_timestamp_out_of_range'
  | 'imported_event_timestamp_must_not_advance';

/**
 * The event's own timestamp in microseconds since the epoch (null for a live event, which the
 * ledger stamps itself), or why the event is refused.
 */
export function importedTimestampUs(imported: boolean, timestamp: Date | undefined, requestImported: boolean, nowUs: number): ImportShapeFailure | number | null {
  if (imported !== requestImported) return requestImported ? 'imported_event_expected' : 'imported_event_not_expected';
  if (!imported) return timestamp === undefined ? null : 'timestamp_must_be_zero';
  const ms = timestamp?.getTime();
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) return 'imported_event_timestamp_out_of_range';
  const us = ms * 1000;
  return us >= nowUs ? 'imported_event_timestamp_must_not_advance' : us;
}
