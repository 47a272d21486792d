import type { Knex } from 'knex';
import { PortalError } from '../errors';
import { MIN_PASSWORD_LENGTH, decoyPasswordHash, hashPassword, passwordMatches } from './password';

/** Every user has exactly one role, and customers and merchants are linked to who they are. */
export type Role = 'customer' | 'merchant' | 'operator';
export const ROLES: readonly Role[] = ['customer', 'merchant', 'operator'];

export type PortalUser =
  | { readonly id: number; readonly email: string; readonly role: 'customer'; readonly customerId: string }
  | { readonly id: number; readonly email: string; readonly role: 'merchant'; readonly merchantId: string }
  | { readonly id: number; readonly email: string; readonly role: 'operator' };

export interface NewUser {
  readonly email: string;
  readonly role: Role;
  readonly password: string;
  /** The registry's customer id (role customer) or merchant id (role merchant). */
  readonly linkedId?: string;
}

interface UserRow {
  id: string;
  email: string;
  role: Role;
  customer_id: string | null;
  merchant_id: string | null;
  password_hash: string;
}

function toUser(row: UserRow): PortalUser {
  const id = Number(row.id);
  if (row.role === 'customer' && row.customer_id) return { id, email: row.email, role: 'customer', customerId: row.customer_id };
  if (row.role === 'merchant' && row.merchant_id) return { id, email: row.email, role: 'merchant', merchantId: row.merchant_id };
  if (row.role === 'operator') return { id, email: row.email, role: 'operator' };
  // The table's CHECK constraint makes this unreachable; fail loudly if it ever is not.
  throw new Error(`portal invariant broken: user ${id} has role ${row.role} without its link`);
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function addUser(db: Knex, user: NewUser): Promise<PortalUser> {
  const email = normaliseEmail(user.email);
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new PortalError('input_invalid', `"${user.email}" is not an email address; type one like ann@example.com.`, { field: 'email' });
  if (!(ROLES as readonly string[]).includes(user.role)) throw new PortalError('user_link_invalid', `Role must be one of ${ROLES.join(', ')}.`, { field: 'role' });
  if (user.password.length < MIN_PASSWORD_LENGTH) {
    throw new PortalError('input_invalid', `The password has fewer than ${MIN_PASSWORD_LENGTH} characters; choose a longer one or let purseflow generate one.`, { field: 'password' });
  }
  const linked = user.linkedId?.trim();
  if (user.role !== 'operator' && !linked) {
    throw new PortalError('user_link_invalid', `A ${user.role} must be linked: pass --${user.role} <${user.role} id from the registry>.`);
  }
  if (user.role === 'operator' && linked) throw new PortalError('user_link_invalid', 'An operator is not linked to a customer or merchant; drop the link.');
  const passwordHash = await hashPassword(user.password);
  try {
    const [row] = await db('portal_users')
      .insert({
        email,
        role: user.role,
        customer_id: user.role === 'customer' ? linked : null,
        merchant_id: user.role === 'merchant' ? linked : null,
        password_hash: passwordHash,
      })
      .returning('*');
    return toUser(row as UserRow);
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new PortalError('user_exists', `A user with email ${email} exists already; pick another email.`, { field: 'email' });
    throw err;
  }
}

export async function findUser(db: Knex, id: number): Promise<PortalUser | null> {
  const row = (await db('portal_users').where('id', id).first()) as UserRow | undefined;
  return row ? toUser(row) : null;
}

/**
 * Checks email and password. Unknown email and wrong password give the same error after the same
 * work (one Argon2 verification each), so the answer does not tell which emails exist.
 */
export async function authenticate(db: Knex, email: string, password: string): Promise<PortalUser> {
  const row = (await db<UserRow>('portal_users').where({ email: normaliseEmail(email) }).first()) as UserRow | undefined;
  const ok = await passwordMatches(row ? row.password_hash : await decoyPasswordHash(), password);
  if (!row || !ok) throw new PortalError('sign_in_failed', 'Email or password is wrong. Check both and try again; after several tries wait a minute.');
  return toUser(row);
}
