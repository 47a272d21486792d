import { hash, verify } from '@node-rs/argon2';

/**
 * Passwords are hashed with Argon2id at @node-rs/argon2's defaults, which are OWASP's minimum
 * (m = 19456 KiB, t = 2, p = 1). The algorithm is not passed: `Algorithm` is a const enum that is
 * undefined at run time under isolated modules (portal-notes §2), and the default is Argon2id.
 * The async functions run off the event loop.
 */
export async function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function passwordMatches(phcHash: string, password: string): Promise<boolean> {
  try {
    return await verify(phcHash, password);
  } catch {
    // A malformed stored hash matches nothing; the caller answers as for a wrong password.
    return false;
  }
}

/**
 * A hash of a random password, verified against when the email is unknown, so that an unknown
 * email costs the same time as a wrong password and the answer gives nothing away.
 */
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hash(`decoy-${process.hrtime.bigint()}`);
  return decoyHash;
}

/** A password for `users add` when none is typed: 20 characters from a 57-letter alphabet (~117 bits). */
export function generatePassword(randomBytes: (n: number) => Buffer): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  let out = '';
  while (out.length < 20) {
    for (const byte of randomBytes(32)) {
      // Rejection sampling keeps every letter equally likely.
      if (byte < 228 && out.length < 20) out += alphabet[byte % 57];
    }
  }
  return out;
}

export const MIN_PASSWORD_LENGTH = 12;
