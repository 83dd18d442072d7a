import type { IncomingHttpHeaders } from 'node:http';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Why a state-changing request looks cross-site, or undefined when it does not. On top of
 * SameSite=Lax: a browser says where a request comes from (Sec-Fetch-Site, Origin), and a write
 * riding on a cookie must come from the farm's own origin or an allowed one (OWASP CSRF
 * cheat sheet, "Verifying Origin With Standard Headers"). Clients that send neither header are
 * not browsers, and cannot be made to carry a victim's cookie.
 */
export function crossSiteReason(
  request: { method?: string; headers: IncomingHttpHeaders },
  allowedOrigins: ReadonlySet<string>,
): string | undefined {
  if (!STATE_CHANGING.has(request.method ?? '')) return undefined;
  const { headers } = request;
  if (headers['sec-fetch-site'] === 'cross-site') return 'Sec-Fetch-Site: cross-site';
  const origin = headers.origin;
  if (origin === undefined) return undefined;
  if (origin === 'null') return 'opaque Origin';
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return 'malformed Origin';
  }
  // The gateway sets X-Forwarded-Host from the Host the browser used, dropping any client copy.
  const host = headers['x-forwarded-host'] ?? headers.host;
  if (parsed.host === host || allowedOrigins.has(parsed.origin)) return undefined;
  return 'foreign Origin';
}
