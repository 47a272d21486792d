import { randomBytes } from 'node:crypto';
import knex, { Knex } from 'knex';

/** A database of its own for one test file, on the server named by DATABASE_URL. */
export interface TestDatabase {
  readonly url: string;
  readonly db: Knex;
  drop(): Promise<void>;
}

function requireDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run the tests through `npm test` or `npx purseflow services up`.');
  return url;
}

export function databaseUrlFor(name: string): string {
  const url = new URL(requireDatabaseUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

export async function createTestDatabase(prefix: string, pool: Knex.PoolConfig = { min: 0, max: 10 }): Promise<TestDatabase> {
  const name = `t_${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = knex({ client: 'pg', connection: requireDatabaseUrl(), pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`CREATE DATABASE ${name}`);
  } finally {
    await admin.destroy();
  }
  const url = databaseUrlFor(name);
  const db = knex({ client: 'pg', connection: url, pool });
  return {
    url,
    db,
    async drop() {
      await db.destroy();
      const cleanup = knex({ client: 'pg', connection: requireDatabaseUrl(), pool: { min: 0, max: 1 } });
      try {
        await cleanup.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await cleanup.destroy();
      }
    },
  };
}
