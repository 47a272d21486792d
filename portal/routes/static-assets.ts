import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/**
 * The portal's two static files (one script, one stylesheet), read once at start and served from
 * memory with an ETag. @fastify/static is not used: its dependency content-disposition 2 is
 * ESM-only and does not load under Jest on Node 20 (the trap of portal-notes §0.1, once more).
 */
export function registerStaticAssets(app: FastifyInstance, directory: string): void {
  for (const name of readdirSync(directory)) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    const body = readFileSync(join(directory, name));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    app.get(`/static/${name}`, { schema: { hide: true } }, async (request, reply) => {
      reply.header('etag', etag).header('cache-control', 'public, max-age=3600');
      if (request.headers['if-none-match'] === etag) return reply.status(304).send();
      return reply.type(type).send(body);
    });
  }
}
