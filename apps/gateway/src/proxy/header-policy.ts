import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

// Hop-by-hop headers (RFC 9110 §7.6.1) and headers only the gateway may set: a client that
// sends X-User-Id or X-Forwarded-For gets them dropped, never passed on as if trusted.
const DROPPED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'forwarded',
  'x-request-id',
]);
const DROPPED_PREFIXES = ['x-user-', 'x-authenticated-', 'x-forwarded-'];

function isDropped(name: string): boolean {
  if (DROPPED.has(name)) return true;
  for (const prefix of DROPPED_PREFIXES) if (name.startsWith(prefix)) return true;
  return false;
}

/** The headers sent upstream: the client's, filtered, plus the gateway's own forwarding set. */
export function upstreamHeaders(
  incoming: IncomingHttpHeaders,
  forwarded: { requestId: string; clientIp: string; proto: string },
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const name in incoming) {
    if (!isDropped(name)) headers[name] = incoming[name];
  }
  headers['x-request-id'] = forwarded.requestId;
  headers['x-forwarded-for'] = forwarded.clientIp;
  headers['x-forwarded-proto'] = forwarded.proto;
  if (incoming.host) headers['x-forwarded-host'] = incoming.host;
  return headers;
}

/** The upstream's response headers minus hop-by-hop ones. */
export function downstreamHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const name in incoming) {
    if (name !== 'connection' && name !== 'keep-alive' && name !== 'transfer-encoding') {
      headers[name] = incoming[name];
    }
  }
  return headers;
}
