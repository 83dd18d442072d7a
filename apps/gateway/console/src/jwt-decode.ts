/** The decoded, unverified parts of an access token: for display only, never for a decision. */
export interface TokenView {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  kid: string | null;
  /** Epoch seconds. */
  iat: number | null;
  exp: number | null;
}

/** Decodes a JWS compact token's header and claims (base64url JSON); null when malformed. */
export function decodeJwt(token: string): TokenView | null {
  const [header, claims] = token.split('.').slice(0, 2).map(decodeSegment);
  if (!header || !claims) return null;
  return {
    header,
    claims,
    kid: typeof header.kid === 'string' ? header.kid : null,
    iat: typeof claims.iat === 'number' ? claims.iat : null,
    exp: typeof claims.exp === 'number' ? claims.exp : null,
  };
}

function decodeSegment(segment: string | undefined): Record<string, unknown> | null {
  if (!segment || !/^[A-Za-z0-9_-]+$/.test(segment)) return null;
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  try {
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** A kid short enough for a sentence: the first 8 characters. */
export function shortKid(kid: string | null): string {
  if (!kid) return '(no kid)';
  return kid.length > 10 ? `${kid.slice(0, 8)}…` : kid;
}
