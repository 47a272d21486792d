import type { FastifyRequest } from 'fastify';
import type { PortalContext } from './context';
import { PortalError } from './errors';
import { authenticate, type PortalUser } from './users/user';

/** Checks the credentials and starts a fresh session; the same handler serves page and API. */
export async function signIn(ctx: PortalContext, request: FastifyRequest, input: { email?: unknown; password?: unknown }): Promise<PortalUser> {
  const email = typeof input.email === 'string' ? input.email : '';
  const password = typeof input.password === 'string' ? input.password : '';
  if (email === '' || password === '') throw new PortalError('sign_in_failed', 'Type your email and your password.');
  const user = await authenticate(ctx.db, email, password);
  // A new session on sign-in: nothing of the anonymous session (its CSRF secret) carries over.
  request.session.regenerate();
  request.session.set('user', user);
  request.portalUser = user;
  return user;
}

export function signOut(request: FastifyRequest): void {
  request.session.delete();
  request.portalUser = null;
}

/** Where a role starts. */
export function homeOf(user: PortalUser | null): string {
  if (!user) return '/sign-in';
  return `/${user.role}`;
}

/**
 * Where to go after signing in: the page that sent the person to sign in, if it is a path of this
 * site (never another site: "//evil.example" and "/\\evil" are refused), else the role's start.
 */
export function afterSignIn(user: PortalUser, next: unknown): string {
  if (typeof next === 'string' && /^\/(?![/\\])[A-Za-z0-9/_.~%?=&-]*$/.test(next) && next.startsWith(`/${user.role}`)) return next;
  return homeOf(user);
}
