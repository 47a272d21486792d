import type { FastifyReply, FastifyRequest } from 'fastify';
import { PortalError } from './errors';
import type { PortalUser, Role } from './users/user';

/**
 * The signed-in person travels in the encrypted session cookie (no lookup per request). The cookie
 * has an absolute lifetime from sign-in; after it the session is empty and the person signs in
 * again.
 */
declare module '@fastify/secure-session' {
  interface SessionData {
    user: PortalUser;
    _csrf: string;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    portalUser: PortalUser | null;
    /** A session cookie came with the request but no longer holds anything (expired or tampered). */
    sessionLapsed: boolean;
  }
}

export const SESSION_COOKIE = 'purseflow_session';

export function readSessionUser(request: FastifyRequest): void {
  const user = request.session.get('user') ?? null;
  request.portalUser = user;
  const data = request.session.data() ?? {};
  request.sessionLapsed = user === null && SESSION_COOKIE in request.cookies && Object.keys(data).length === 0;
}

export function isApiRequest(request: FastifyRequest): boolean {
  return request.url.startsWith('/api/');
}

/**
 * Lets only `role` through. Signed out: pages go to the sign-in page, the API answers 401. Signed
 * in with another role: 404, as if the route did not exist.
 */
export function requireRole<R extends Role>(role: R) {
  return async function guard(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const user = request.portalUser;
    if (!user) {
      if (!isApiRequest(request) && request.method === 'GET') {
        const next = encodeURIComponent(request.url);
        await reply.redirect(`/sign-in?next=${next}${request.sessionLapsed ? '&expired=1' : ''}`, 303);
        return;
      }
      throw request.sessionLapsed
        ? new PortalError('session_expired', 'Your session has expired; sign in again.')
        : new PortalError('not_signed_in', 'Sign in first.');
    }
    if (user.role !== role) throw notFound();
  };
}

export function notFound(): PortalError {
  return new PortalError('not_found', 'There is nothing here. Check the address, or go back to the start page.');
}

export function userOfRole<R extends Role>(request: FastifyRequest, role: R): Extract<PortalUser, { role: R }> {
  const user = request.portalUser;
  // The route's guard let the request through; a mismatch here is a wiring bug.
  if (!user || user.role !== role) throw new Error(`portal invariant broken: route for ${role} reached without its guard`);
  return user as Extract<PortalUser, { role: R }>;
}

/** The CSRF token for the next state-changing request, bound to who is signed in. */
export function csrfTokenFor(request: FastifyRequest, reply: FastifyReply): string {
  return reply.generateCsrf({ userInfo: csrfUserInfo(request) });
}

export function csrfUserInfo(request: FastifyRequest): string {
  return String(request.session.get('user')?.id ?? 'anonymous');
}
