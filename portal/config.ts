import { PortalError } from './errors';

/**
 * The portal's settings from the environment (documented in portal/README.md). The session key is
 * the only secret: it is read here and handed to the session plugin, never logged or printed.
 */
export interface PortalEnvironment {
  readonly host: string;
  readonly port: number;
  readonly sessionKey: Buffer;
  readonly secureCookies: boolean;
  readonly trustProxy: boolean;
  readonly temporalUiUrl: string;
  readonly temporalNamespace: string;
  /** The metrics listener, or null when PURSEFLOW_PORTAL_METRICS_PORT=off. */
  readonly metrics: { readonly host: string; readonly port: number } | null;
}

export const DEFAULT_PORTAL_PORT = 8080;
/** Beside the server worker's 9464, the reader agent's 9465 and the ACR30 agent's 9466. */
export const DEFAULT_PORTAL_METRICS_PORT = 9467;

export function readPortalEnvironment(env: NodeJS.ProcessEnv = process.env): PortalEnvironment {
  const port = Number(env.PURSEFLOW_PORTAL_PORT ?? DEFAULT_PORTAL_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new PortalError('config_invalid', `PURSEFLOW_PORTAL_PORT=${env.PURSEFLOW_PORTAL_PORT} is not a port number; set it to a number between 1 and 65535.`);
  }
  return {
    host: env.PURSEFLOW_PORTAL_HOST ?? '127.0.0.1',
    port,
    sessionKey: parseSessionKey(env.PURSEFLOW_PORTAL_SESSION_KEY),
    secureCookies: env.PURSEFLOW_PORTAL_SECURE_COOKIES !== undefined ? env.PURSEFLOW_PORTAL_SECURE_COOKIES === 'true' : false,
    trustProxy: env.PURSEFLOW_PORTAL_TRUST_PROXY === 'true',
    temporalUiUrl: env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233',
    temporalNamespace: env.TEMPORAL_NAMESPACE ?? 'default',
    metrics: readMetricsListener(env),
  };
}

/** Metrics have their own listener, on loopback unless PURSEFLOW_PORTAL_METRICS_HOST says otherwise. */
function readMetricsListener(env: NodeJS.ProcessEnv): PortalEnvironment['metrics'] {
  const value = env.PURSEFLOW_PORTAL_METRICS_PORT ?? String(DEFAULT_PORTAL_METRICS_PORT);
  if (value === 'off') return null;
  const port = Number(value);
  if (value === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new PortalError('config_invalid', `PURSEFLOW_PORTAL_METRICS_PORT=${value} is not a port number; set it to a number between 1 and 65535, or to off.`);
  }
  return { host: env.PURSEFLOW_PORTAL_METRICS_HOST ?? '127.0.0.1', port };
}

/** 32 bytes as 64 hex digits; anything else is refused so that a weak key never signs sessions. */
export function parseSessionKey(hex: string | undefined): Buffer {
  if (!hex || !/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new PortalError(
      'config_invalid',
      'PURSEFLOW_PORTAL_SESSION_KEY must be 64 hex digits (32 bytes); create one with `openssl rand -hex 32` and keep it secret.',
    );
  }
  return Buffer.from(hex, 'hex');
}
