import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits; the only thing the client holds. OWASP asks for at least 64 bits of entropy. */
export function newSessionSecret(): string {
  return randomBytes(32).toString('base64url');
}

const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The id a session is stored and listed under: SHA-256 of the cookie secret. A leaked store dump
 * or session list therefore cannot be replayed as a cookie. Returns undefined for a value that
 * cannot be one of our secrets, so a malformed cookie never costs a store round trip.
 */
export function sessionIdOf(secret: string): string | undefined {
  if (!SECRET_SHAPE.test(secret)) return undefined;
  return createHash('sha256').update(secret).digest('base64url');
}
