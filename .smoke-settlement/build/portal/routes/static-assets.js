"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.registerStaticAssets = registerStaticAssets;
const node_crypto_1 = require("node:crypto");
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const TYPES = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
/**
 * The portal's two static files (one script, one stylesheet), read once at start and served from
 * memory with an ETag. @fastify/static is not used: its dependency content-disposition 2 is
 * ESM-only and does not load under Jest on Node 20 (the trap of portal-notes §0.1, once more).
 */
function registerStaticAssets(app, directory) {
    for (const name of (0, node_fs_1.readdirSync)(directory)) {
        const type = TYPES[(0, node_path_1.extname)(name)];
        if (!type)
            continue;
        const body = (0, node_fs_1.readFileSync)((0, node_path_1.join)(directory, name));
        const etag = `"${(0, node_crypto_1.createHash)('sha256').update(body).digest('base64url').slice(0, 22)}"`;
        app.get(`/static/${name}`, { schema: { hide: true } }, async (request, reply) => {
            reply.header('etag', etag).header('cache-control', 'public, max-age=3600');
            if (request.headers['if-none-match'] === etag)
                return reply.status(304).send();
            return reply.type(type).send(body);
        });
    }
}
