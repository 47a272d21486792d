/**
 * The portal's public face: the web app for customers, merchants and operators (issue 7).
 * cli/ composes it with the workflows client and the ledger's read-only queries.
 */
export { buildPortal, startPortal, toPortalError, type PortalOptions, type RunningPortal, type StartPortalOptions } from './server';
export { PortalMetrics } from './metrics';
export { readPortalEnvironment, parseSessionKey, DEFAULT_PORTAL_PORT, DEFAULT_PORTAL_METRICS_PORT, type PortalEnvironment } from './config';
export { DEFAULT_LIMITS, type PortalLimits } from './context';
export { migratePortal } from './migrations';
export { addUser, authenticate, findUser, ROLES, type NewUser, type PortalUser, type Role } from './users/user';
export { generatePassword, MIN_PASSWORD_LENGTH } from './users/password';
export { PortalError, type PortalErrorCode } from './errors';
export * from './ports';
export { TemporalParts, type TemporalPartsOptions } from './bindings/temporal-parts';
export { type LogRecordDecoder } from './bindings/card-log-view';
