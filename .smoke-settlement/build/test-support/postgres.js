"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.databaseUrlFor = databaseUrlFor;
exports.createTestDatabase = createTestDatabase;
const node_crypto_1 = require("node:crypto");
const knex_1 = __importDefault(require("knex"));
function requireDatabaseUrl() {
    const url = process.env.DATABASE_URL;
    if (!url)
        throw new Error('DATABASE_URL is not set: run the tests through `npm test` or `npx purseflow services up`.');
    return url;
}
function databaseUrlFor(name) {
    const url = new URL(requireDatabaseUrl());
    url.pathname = `/${name}`;
    return url.toString();
}
async function createTestDatabase(prefix, pool = { min: 0, max: 10 }) {
    const name = `t_${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${(0, node_crypto_1.randomBytes)(4).toString('hex')}`;
    const admin = (0, knex_1.default)({ client: 'pg', connection: requireDatabaseUrl(), pool: { min: 0, max: 1 } });
    try {
        await admin.raw(`CREATE DATABASE ${name}`);
    }
    finally {
        await admin.destroy();
    }
    const url = databaseUrlFor(name);
    const db = (0, knex_1.default)({ client: 'pg', connection: url, pool });
    return {
        url,
        db,
        async drop() {
            await db.destroy();
            const cleanup = (0, knex_1.default)({ client: 'pg', connection: requireDatabaseUrl(), pool: { min: 0, max: 1 } });
            try {
                await cleanup.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            }
            finally {
                await cleanup.destroy();
            }
        },
    };
}
