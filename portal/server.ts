import { existsSync } from 'node:fs';
import { join } from 'node:path';
import csrfProtection from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import secureSession from '@fastify/secure-session';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { DEFAULT_LIMITS, type PortalContext, type PortalLimits } from './context';
import { PortalError, isPortalError } from './errors';
import { DownloadWatchHub } from './live/download-watch';
import { PortalMetrics, serveMetrics } from './metrics';
import { WorkflowRefusal, type LedgerPort, type WorkflowsPort } from './ports';
import { registerApiRoutes } from './routes/api';
import { registerHealthRoutes } from './routes/health';
import { registerPageRoutes, renderPage } from './routes/pages';
import { registerStaticAssets } from './routes/static-assets';
import { SESSION_COOKIE, csrfUserInfo, isApiRequest, readSessionUser } from './session';
import { createViews } from './views/render';

export interface PortalOptions {
  readonly db: Knex;
  readonly workflows: WorkflowsPort;
  readonly ledger: LedgerPort;
  /** 32 bytes; PURSEFLOW_PORTAL_SESSION_KEY. Never logged. */
  readonly sessionKey: Buffer;
  /** Mark cookies Secure and send HSTS/upgrade-insecure-requests: set when served over TLS. */
  readonly secureCookies?: boolean;
  /** Absolute lifetime of a sign-in, in seconds (default 8 hours). */
  readonly sessionTtlSeconds?: number;
  readonly trustProxy?: boolean;
  readonly temporalUiUrl?: string;
  readonly temporalNamespace?: string;
  readonly limits?: Partial<PortalLimits>;
  /** How often a watched download is asked for its state (default 500 ms). */
  readonly watchIntervalMs?: number;
  /** A pino logger, or false for none (tests). */
  readonly logger?: Logger | false;
  /** Templates are cached unless false (development). */
  readonly cacheViews?: boolean;
}

/** Where views/ and static/ are: beside this file under ts, or in the source tree when run from dist/. */
/** A file each asset directory must hold: `dist/portal/views/` exists too (render.ts compiles there) but holds no template. */
const ASSET_MARKER = { views: 'layout.eta', static: 'portal.css' } as const;

function assetDirectory(name: 'views' | 'static'): string {
  const candidates = [join(__dirname, name), join(__dirname, '..', '..', 'portal', name)];
  const found = candidates.find((dir) => existsSync(join(dir, ASSET_MARKER[name])));
  if (found) return found;
  throw new Error(`portal invariant broken: no ${name}/ directory holding ${ASSET_MARKER[name]} in ${candidates.join(' or ')}`);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Builds the portal (not listening). Close it with `app.close()`; open live streams end first. */
export async function buildPortal(options: PortalOptions): Promise<FastifyInstance> {
  if (options.sessionKey.length !== 32) throw new PortalError('config_invalid', 'The session key must be 32 bytes (64 hex digits in PURSEFLOW_PORTAL_SESSION_KEY).');
  const limits: PortalLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const secure = options.secureCookies ?? false;

  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast only bridges the two packages' generic types.
    ...(options.logger ? { loggerInstance: options.logger as unknown as FastifyBaseLogger } : { logger: false }),
    bodyLimit: limits.bodyLimitBytes,
    trustProxy: options.trustProxy ?? false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });

  const downloads = new DownloadWatchHub({
    load: (id) => options.workflows.download(id),
    intervalMs: options.watchIntervalMs ?? 500,
    onError: (id, err) => app.log.warn({ downloadId: id, err }, 'download watch could not read the workflow; trying again'),
  });
  const metrics = new PortalMetrics({ watchedDownloads: () => downloads.watchedDownloads, watchPolls: () => downloads.loads });
  const ctx: PortalContext = {
    db: options.db,
    workflows: options.workflows,
    ledger: options.ledger,
    views: createViews(assetDirectory('views'), options.cacheViews ?? true),
    downloads,
    limits,
    temporalUiUrl: options.temporalUiUrl ?? 'http://127.0.0.1:8233',
    temporalNamespace: options.temporalNamespace ?? 'default',
    metrics,
  };
  app.decorate('portalMetrics', metrics);
  // Every answer, by the route's pattern (not its URL). A live stream takes over its reply
  // (hijack), so no onResponse runs for it: the SSE gauge counts those.
  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
  });

  await app.register(helmet, {
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
  await app.register(secureSession, {
    key: options.sessionKey,
    cookieName: SESSION_COOKIE,
    expiry: options.sessionTtlSeconds ?? 8 * 3600,
    cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure },
  });
  await app.register(csrfProtection, {
    sessionPlugin: '@fastify/secure-session',
    // Bound to the signed-in user, so a token from one session is worthless in another.
    getUserInfo: csrfUserInfo,
    getToken: (request: FastifyRequest) => {
      const body = request.body as { _csrf?: unknown } | undefined;
      if (body && typeof body === 'object' && typeof body._csrf === 'string') return body._csrf;
      const header = request.headers['x-csrf-token'];
      if (typeof header === 'string') return header;
      // A multipart body is streamed inside the handler, after this check: its token rides in the URL.
      if (request.isMultipart()) {
        const query = request.query as { _csrf?: unknown };
        if (typeof query._csrf === 'string') return query._csrf;
      }
      return '';
    },
  });
  await app.register(formbody, { bodyLimit: limits.bodyLimitBytes });
  await app.register(multipart, {
    limits: { fileSize: limits.uploadMaxBytes, files: 1, fields: 2, parts: 3, fieldSize: 256, headerPairs: 50 },
  });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new PortalError('too_many_requests', `Too many tries; wait ${Math.ceil(context.ttl / 1000)} seconds and try again.`),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'purseflow portal API', version: '1.0.0', description: 'The JSON API the portal pages use. Sign in with POST /api/v1/session; send the CSRF token of GET /api/v1/session in the x-csrf-token header on every POST.' },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE } } },
    },
    hideUntagged: true,
  });

  app.decorateRequest('portalUser', null);
  app.decorateRequest('sessionLapsed', false);
  app.addHook('onRequest', async (request) => {
    readSessionUser(request);
  });
  // Every state-changing request carries a CSRF token (form field, header, or URL for uploads).
  app.addHook('preHandler', (request, reply, done) => {
    if (SAFE_METHODS.has(request.method)) return done();
    app.csrfProtection(request, reply, done);
  });
  app.addHook('preClose', async () => {
    ctx.downloads.close();
  });

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const portalError = toPortalError(error);
    if (portalError.status >= 500) request.log.error({ err: error }, 'request failed');
    await sendError(ctx, request, reply, portalError);
  });
  app.setNotFoundHandler(async (request, reply) => {
    await sendError(ctx, request, reply, new PortalError('not_found', 'There is nothing here. Check the address, or go back to the start page.'));
  });

  registerStaticAssets(app, assetDirectory('static'));
  registerHealthRoutes(app, ctx);
  registerApiRoutes(app, ctx);
  registerPageRoutes(app, ctx);
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}

async function sendError(ctx: PortalContext, request: FastifyRequest, reply: FastifyReply, error: PortalError): Promise<void> {
  if (reply.sent || reply.raw.headersSent) return;
  reply.status(error.status);
  if (isApiRequest(request)) {
    await reply.send({ error: { code: error.code, message: error.message, field: error.field ?? null } });
    return;
  }
  const title = error.status === 404 ? 'Not found' : error.status >= 500 ? 'Something went wrong' : 'That did not work';
  await renderPage(ctx, request, reply, 'error', { title, status: error.status, message: error.message });
}

/** Turns whatever a plugin or port threw into a PortalError with advice. */
export function toPortalError(error: unknown): PortalError {
  if (isPortalError(error)) return error;
  if (error instanceof WorkflowRefusal) return new PortalError('action_refused', error.message, { cause: error });
  const e = error as Partial<FastifyError> & { name?: string };
  switch (e.code) {
    case 'FST_CSRF_INVALID_TOKEN':
    case 'FST_CSRF_MISSING_SECRET':
      return new PortalError('csrf_invalid', 'This form has expired or did not come from this site; reload the page and send it again.', { cause: error });
    case 'FST_REQ_FILE_TOO_LARGE':
      return new PortalError('upload_too_large', 'The file is larger than the limit stated on the page; split the batch on the Transfer card.', { cause: error });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PortalError('body_too_large', 'The request is larger than the portal accepts; send less.', { cause: error });
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return new PortalError('input_invalid', 'Send one .estb file and nothing else.', { cause: error });
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new PortalError('upload_missing', 'Send the file as multipart/form-data in the field "file".', { cause: error });
    case 'ECONNREFUSED':
    case 'ETIMEDOUT':
    case '57P01':
      return new PortalError('database_unavailable', 'The portal cannot reach its database right now; nothing was changed. Try again in a minute.', { cause: error });
  }
  if (e.name === 'KnexTimeoutError') {
    return new PortalError('database_unavailable', 'The portal cannot reach its database right now; nothing was changed. Try again in a minute.', { cause: error });
  }
  if (e.validation) return new PortalError('input_invalid', `The request is not valid: ${e.message}. Fix it and send it again.`, { cause: error });
  if (e.statusCode === 429) return new PortalError('too_many_requests', 'Too many tries; wait a minute and try again.', { cause: error });
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) return new PortalError('input_invalid', `The request was not understood (${e.message}); reload the page and try again.`, { cause: error });
  return new PortalError('internal_error', 'Something went wrong on our side and nothing was changed; try again in a minute. If it keeps happening, tell an operator.', { cause: error });
}

export interface RunningPortal {
  readonly app: FastifyInstance;
  readonly url: string;
  /** Where Prometheus scrapes the portal (its own listener), or null when metrics are off. */
  readonly metricsUrl: string | null;
  /** Ends live streams, lets requests in flight finish, then stops listening. */
  close(): Promise<void>;
}

export interface StartPortalOptions extends PortalOptions {
  readonly host?: string;
  readonly port?: number;
  /**
   * The metrics listener (GET /metrics for Prometheus), on an address of its own so that the
   * public port never serves it; null or absent: none. Port 0 picks a free port (tests).
   */
  readonly metrics?: { readonly host: string; readonly port: number } | null;
}

/** Builds and starts listening; port 0 picks a free port (tests). */
export async function startPortal(options: StartPortalOptions): Promise<RunningPortal> {
  const app = await buildPortal(options);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  let metrics = null;
  try {
    metrics = options.metrics ? await serveMetrics(app.portalMetrics, options.metrics.host, options.metrics.port) : null;
  } catch (err) {
    await app.close();
    throw err;
  }
  return {
    app,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    metricsUrl: metrics?.url ?? null,
    close: async () => {
      await app.close();
      await metrics?.close();
    },
  };
}
