"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.buildPortal = buildPortal;
exports.toPortalError = toPortalError;
exports.startPortal = startPortal;
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const csrf_protection_1 = __importDefault(require("@fastify/csrf-protection"));
const formbody_1 = __importDefault(require("@fastify/formbody"));
const helmet_1 = __importDefault(require("@fastify/helmet"));
const multipart_1 = __importDefault(require("@fastify/multipart"));
const rate_limit_1 = __importDefault(require("@fastify/rate-limit"));
const secure_session_1 = __importDefault(require("@fastify/secure-session"));
const swagger_1 = __importDefault(require("@fastify/swagger"));
const fastify_1 = __importDefault(require("fastify"));
const context_1 = require("./context");
const errors_1 = require("./errors");
const download_watch_1 = require("./live/download-watch");
const ports_1 = require("./ports");
const api_1 = require("./routes/api");
const health_1 = require("./routes/health");
const pages_1 = require("./routes/pages");
const static_assets_1 = require("./routes/static-assets");
const session_1 = require("./session");
const render_1 = require("./views/render");
/** Where views/ and static/ are: beside this file under ts, or in the source tree when run from dist/. */
function assetDirectory(name) {
    const beside = (0, node_path_1.join)(__dirname, name);
    if ((0, node_fs_1.existsSync)(beside))
        return beside;
    const source = (0, node_path_1.join)(__dirname, '..', '..', 'portal', name);
    if ((0, node_fs_1.existsSync)(source))
        return source;
    throw new Error(`portal invariant broken: cannot find the portal's ${name}/ directory beside ${__dirname}`);
}
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Builds the portal (not listening). Close it with `app.close()`; open live streams end first. */
async function buildPortal(options) {
    if (options.sessionKey.length !== 32)
        throw new errors_1.PortalError('config_invalid', 'The session key must be 32 bytes (64 hex digits in PURSEFLOW_PORTAL_SESSION_KEY).');
    const limits = { ...context_1.DEFAULT_LIMITS, ...options.limits };
    const secure = options.secureCookies ?? false;
    const app = (0, fastify_1.default)({
        // pino's Logger is a FastifyBaseLogger; the cast only bridges the two packages' generic types.
        ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
        bodyLimit: limits.bodyLimitBytes,
        trustProxy: options.trustProxy ?? false,
        return503OnClosing: true,
        forceCloseConnections: 'idle',
        ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    });
    const ctx = {
        db: options.db,
        workflows: options.workflows,
        ledger: options.ledger,
        views: (0, render_1.createViews)(assetDirectory('views'), options.cacheViews ?? true),
        downloads: new download_watch_1.DownloadWatchHub({
            load: (id) => options.workflows.download(id),
            intervalMs: options.watchIntervalMs ?? 500,
            onError: (id, err) => app.log.warn({ downloadId: id, err }, 'download watch could not read the workflow; trying again'),
        }),
        limits,
        temporalUiUrl: options.temporalUiUrl ?? 'http://127.0.0.1:8233',
        temporalNamespace: options.temporalNamespace ?? 'default',
    };
    await app.register(helmet_1.default, {
        contentSecurityPolicy: {
            useDefaults: true,
            directives: {
                'frame-ancestors': ["'none'"],
                'form-action': ["'self'"],
                'script-src': ["'self'"],
                'style-src': ["'self'"],
                'upgrade-insecure-requests': secure ? [] : null,
            },
        },
        strictTransportSecurity: secure ? { maxAge: 31_536_000 } : false,
        xFrameOptions: { action: 'deny' },
    });
    await app.register(secure_session_1.default, {
        key: options.sessionKey,
        cookieName: session_1.SESSION_COOKIE,
        expiry: options.sessionTtlSeconds ?? 8 * 3600,
        cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure },
    });
    await app.register(csrf_protection_1.default, {
        sessionPlugin: '@fastify/secure-session',
        // Bound to the signed-in user, so a token from one session is worthless in another.
        getUserInfo: session_1.csrfUserInfo,
        getToken: (request) => {
            const body = request.body;
            if (body && typeof body === 'object' && typeof body._csrf === 'string')
                return body._csrf;
            const header = request.headers['x-csrf-token'];
            if (typeof header === 'string')
                return header;
            // A multipart body is streamed inside the handler, after this check: its token rides in the URL.
            if (request.isMultipart()) {
                const query = request.query;
                if (typeof query._csrf === 'string')
                    return query._csrf;
            }
            return '';
        },
    });
    await app.register(formbody_1.default, { bodyLimit: limits.bodyLimitBytes });
    await app.register(multipart_1.default, {
        limits: { fileSize: limits.uploadMaxBytes, files: 1, fields: 2, parts: 3, fieldSize: 256, headerPairs: 50 },
    });
    await app.register(rate_limit_1.default, {
        global: false,
        errorResponseBuilder: (_request, context) => new errors_1.PortalError('too_many_requests', `Too many tries; wait ${Math.ceil(context.ttl / 1000)} seconds and try again.`),
    });
    await app.register(swagger_1.default, {
        openapi: {
            openapi: '3.0.3',
            info: { title: 'purseflow portal API', version: '1.0.0', description: 'The JSON API the portal pages use. Sign in with POST /api/v1/session; send the CSRF token of GET /api/v1/session in the x-csrf-token header on every POST.' },
            components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: session_1.SESSION_COOKIE } } },
        },
        hideUntagged: true,
    });
    app.decorateRequest('portalUser', null);
    app.decorateRequest('sessionLapsed', false);
    app.addHook('onRequest', async (request) => {
        (0, session_1.readSessionUser)(request);
    });
    // Every state-changing request carries a CSRF token (form field, header, or URL for uploads).
    app.addHook('preHandler', (request, reply, done) => {
        if (SAFE_METHODS.has(request.method))
            return done();
        app.csrfProtection(request, reply, done);
    });
    app.addHook('preClose', async () => {
        ctx.downloads.close();
    });
    app.setErrorHandler(async (error, request, reply) => {
        const portalError = toPortalError(error);
        if (portalError.status >= 500)
            request.log.error({ err: error }, 'request failed');
        await sendError(ctx, request, reply, portalError);
    });
    app.setNotFoundHandler(async (request, reply) => {
        await sendError(ctx, request, reply, new errors_1.PortalError('not_found', 'There is nothing here. Check the address, or go back to the start page.'));
    });
    (0, static_assets_1.registerStaticAssets)(app, assetDirectory('static'));
    (0, health_1.registerHealthRoutes)(app, ctx);
    (0, api_1.registerApiRoutes)(app, ctx);
    (0, pages_1.registerPageRoutes)(app, ctx);
    app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    return app;
}
async function sendError(ctx, request, reply, error) {
    if (reply.sent || reply.raw.headersSent)
        return;
    reply.status(error.status);
    if ((0, session_1.isApiRequest)(request)) {
        await reply.send({ error: { code: error.code, message: error.message, field: error.field ?? null } });
        return;
    }
    const title = error.status === 404 ? 'Not found' : error.status >= 500 ? 'Something went wrong' : 'That did not work';
    await (0, pages_1.renderPage)(ctx, request, reply, 'error', { title, status: error.status, message: error.message });
}
/** Turns whatever a plugin or port threw into a PortalError with advice. */
function toPortalError(error) {
    if ((0, errors_1.isPortalError)(error))
        return error;
    if (error instanceof ports_1.WorkflowRefusal)
        return new errors_1.PortalError('action_refused', error.message, { cause: error });
    const e = error;
    switch (e.code) {
        case 'FST_CSRF_INVALID_TOKEN':
        case 'FST_CSRF_MISSING_SECRET':
            return new errors_1.PortalError('csrf_invalid', 'This form has expired or did not come from this site; reload the page and send it again.', { cause: error });
        case 'FST_REQ_FILE_TOO_LARGE':
            return new errors_1.PortalError('upload_too_large', 'The file is larger than the limit stated on the page; split the batch on the Transfer card.', { cause: error });
        case 'FST_ERR_CTP_BODY_TOO_LARGE':
            return new errors_1.PortalError('body_too_large', 'The request is larger than the portal accepts; send less.', { cause: error });
        case 'FST_PARTS_LIMIT':
        case 'FST_FILES_LIMIT':
        case 'FST_FIELDS_LIMIT':
            return new errors_1.PortalError('input_invalid', 'Send one .estb file and nothing else.', { cause: error });
        case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
            return new errors_1.PortalError('upload_missing', 'Send the file as multipart/form-data in the field "file".', { cause: error });
        case 'ECONNREFUSED':
        case 'ETIMEDOUT':
        case '57P01':
            return new errors_1.PortalError('database_unavailable', 'The portal cannot reach its database right now; nothing was changed. Try again in a minute.', { cause: error });
    }
    if (e.name === 'KnexTimeoutError') {
        return new errors_1.PortalError('database_unavailable', 'The portal cannot reach its database right now; nothing was changed. Try again in a minute.', { cause: error });
    }
    if (e.validation)
        return new errors_1.PortalError('input_invalid', `The request is not valid: ${e.message}. Fix it and send it again.`, { cause: error });
    if (e.statusCode === 429)
        return new errors_1.PortalError('too_many_requests', 'Too many tries; wait a minute and try again.', { cause: error });
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500)
        return new errors_1.PortalError('input_invalid', `The request was not understood (${e.message}); reload the page and try again.`, { cause: error });
    return new errors_1.PortalError('internal_error', 'Something went wrong on our side and nothing was changed; try again in a minute. If it keeps happening, tell an operator.', { cause: error });
}
/** Builds and starts listening; port 0 picks a free port (tests). */
async function startPortal(options) {
    const app = await buildPortal(options);
    const host = options.host ?? '127.0.0.1';
    await app.listen({ host, port: options.port ?? 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    return {
        app,
        url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
        close: () => app.close(),
    };
}
