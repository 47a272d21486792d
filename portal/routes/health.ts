import type { FastifyInstance } from 'fastify';
import type { PortalContext } from '../context';

const CHECK_TIMEOUT_MS = 2000;

async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function probe(check: () => Promise<unknown>): Promise<{ ok: boolean; error?: string }> {
  try {
    await within(CHECK_TIMEOUT_MS, check());
    return { ok: true };
  } catch (err) {
    // Only the kind of failure: a connection string with a password must never reach the answer.
    return { ok: false, error: err instanceof Error ? err.name : 'unreachable' };
  }
}

/** /livez: the process answers. /readyz: PostgreSQL and Temporal answer, so the portal can serve. */
export function registerHealthRoutes(app: FastifyInstance, ctx: PortalContext): void {
  app.get('/livez', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const [postgres, temporal] = await Promise.all([probe(() => ctx.db.raw('select 1')), probe(() => ctx.workflows.checkReachable())]);
    const ready = postgres.ok && temporal.ok;
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks: { postgres, temporal } });
  });
}
