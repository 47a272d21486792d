/**
 * PostgreSQL array literals for the chunk-sized bindings (5,000 elements per column). node-postgres
 * escapes and quotes every array element on its own (and knex walks every element looking for
 * `undefined`), which costs the worker more CPU and garbage than the verification of a record;
 * settlement's elements are integers and identifiers that need no quoting, so one join does it.
 */
import { assertSettlement } from './settlement-error';

// Characters an unquoted array element may hold without any meaning to the array parser.
const BARE = /^[0-9A-Za-z_.:/-]+$/;

function element(value: string | number | bigint): string {
  if (typeof value === 'number') {
    assertSettlement(Number.isSafeInteger(value), `an array element is an integer (got ${value})`);
    return String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (BARE.test(value) && !/^null$/i.test(value)) return value;
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

/** `{a,b,c}` for a `?::type[]` binding. */
export function arrayLiteral(values: readonly (string | number | bigint)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    out += element(values[i]);
  }
  return `${out}}`;
}
