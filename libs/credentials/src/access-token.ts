/** The JWT access-token profile of authfarm (RFC 9068 style). */
export const ACCESS_TOKEN_TYP = 'at+jwt';

export interface AccessTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  sid: string;
  jti: string;
  iat: number;
  exp: number;
  preferred_username: string;
  /** `hybrid` tokens are also checked against the pushed revocation list. */
  mode: 'jwt' | 'hybrid';
}

/** Name of the session cookie. `__Host-` binds it to this host, path `/`, and HTTPS. */
export const SESSION_COOKIE = '__Host-sid';

/** Reads one cookie from a Cookie header without parsing the others. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Reads a bearer token from an Authorization header (RFC 6750 §2.1). */
export function readBearer(header: string | undefined): string | undefined {
  if (!header || header.length < 8) return undefined;
  if (header.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  const token = header.slice(7).trim();
  return token.length > 0 ? token : undefined;
}

/** The microservice message a replica sends to ask the auth service about a cookie session. */
export const SESSION_VALIDATE = 'session.validate';
