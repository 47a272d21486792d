"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.registerHealthRoutes = registerHealthRoutes;
const CHECK_TIMEOUT_MS = 2000;
async function within(ms, work) {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    });
    try {
        return await Promise.race([work, timeout]);
    }
    finally {
        clearTimeout(timer);
    }
}
async function probe(check) {
    try {
        await within(CHECK_TIMEOUT_MS, check());
        return { ok: true };
    }
    catch (err) {
        // Only the kind of failure: a connection string with a password must never reach the answer.
        return { ok: false, error: err instanceof Error ? err.name : 'unreachable' };
    }
}
/** /livez: the process answers. /readyz: PostgreSQL and Temporal answer, so the portal can serve. */
function registerHealthRoutes(app, ctx) {
    app.get('/livez', { schema: { hide: true } }, async () => ({ status: 'ok' }));
    app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
        const [postgres, temporal] = await Promise.all([probe(() => ctx.db.raw('select 1')), probe(() => ctx.workflows.checkReachable())]);
        const ready = postgres.ok && temporal.ok;
        return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks: { postgres, temporal } });
    });
}
