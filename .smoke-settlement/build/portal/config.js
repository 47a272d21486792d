"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DEFAULT_PORTAL_PORT = void 0;
exports.readPortalEnvironment = readPortalEnvironment;
exports.parseSessionKey = parseSessionKey;
const errors_1 = require("./errors");
exports.DEFAULT_PORTAL_PORT = 8080;
function readPortalEnvironment(env = process.env) {
    const port = Number(env.PURSEFLOW_PORTAL_PORT ?? exports.DEFAULT_PORTAL_PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new errors_1.PortalError('config_invalid', `PURSEFLOW_PORTAL_PORT=${env.PURSEFLOW_PORTAL_PORT} is not a port number; set it to a number between 1 and 65535.`);
    }
    return {
        host: env.PURSEFLOW_PORTAL_HOST ?? '127.0.0.1',
        port,
        sessionKey: parseSessionKey(env.PURSEFLOW_PORTAL_SESSION_KEY),
        secureCookies: env.PURSEFLOW_PORTAL_SECURE_COOKIES !== undefined ? env.PURSEFLOW_PORTAL_SECURE_COOKIES === 'true' : false,
        trustProxy: env.PURSEFLOW_PORTAL_TRUST_PROXY === 'true',
        temporalUiUrl: env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233',
        temporalNamespace: env.TEMPORAL_NAMESPACE ?? 'default',
    };
}
/** 32 bytes as 64 hex digits; anything else is refused so that a weak key never signs sessions. */
function parseSessionKey(hex) {
    if (!hex || !/^[0-9a-fA-F]{64}$/.test(hex)) {
        throw new errors_1.PortalError('config_invalid', 'PURSEFLOW_PORTAL_SESSION_KEY must be 64 hex digits (32 bytes); create one with `openssl rand -hex 32` and keep it secret.');
    }
    return Buffer.from(hex, 'hex');
}
