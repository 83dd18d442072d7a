import { SESSION_COOKIE } from '@authfarm/credentials';

// `__Host-` requires Secure, Path=/ and no Domain: the cookie cannot be set or scoped by a
// sibling subdomain. No Max-Age: it ends with the browser session; the server enforces timeouts.
const ATTRIBUTES = 'Path=/; HttpOnly; Secure; SameSite=Lax';

export function sessionCookie(secret: string): string {
  return `${SESSION_COOKIE}=${secret}; ${ATTRIBUTES}`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; ${ATTRIBUTES}; Max-Age=0`;
}
