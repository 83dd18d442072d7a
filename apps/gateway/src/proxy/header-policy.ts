import type { IncomingHttpHeaders } from 'node:http';

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
// Methods whose request content has a meaning: sent with Content-Length: 0 when they have none.
const CONTENT_METHODS = new Set(['POST', 'PUT', 'PATCH']);

function isDropped(name: string): boolean {
  if (DROPPED.has(name)) return true;
  // Every dropped prefix starts with "x-": most names are ruled out by their first letter.
  if (name.charCodeAt(0) !== 120) return false;
  for (const prefix of DROPPED_PREFIXES) if (name.startsWith(prefix)) return true;
  return false;
}

export interface Forwarded {
  requestId: string;
  clientIp: string;
  proto: string;
}

/**
 * The HTTP/1.1 request head sent upstream, as one string for one write: the client's header
 * fields, filtered, plus the gateway's own forwarding set. A chunked request body is re-framed
 * chunked; `defaultHost` stands in for a missing Host. Field values come from Node's parser,
 * which has already refused CR, LF and NUL in them (no header injection through the head).
 */
export function requestHead(
  method: string,
  target: string,
  incoming: IncomingHttpHeaders,
  forwarded: Forwarded,
  defaultHost: string,
): string {
  let head = `${method} ${target} HTTP/1.1\r\n`;
  for (const name in incoming) {
    if (isDropped(name)) continue;
    const value = incoming[name];
    if (typeof value === 'string') head += `${name}: ${value}\r\n`;
    else if (value !== undefined) for (const item of value) head += `${name}: ${item}\r\n`;
  }
  if (incoming['transfer-encoding'] !== undefined) head += 'transfer-encoding: chunked\r\n';
  else if (incoming['content-length'] === undefined && CONTENT_METHODS.has(method)) {
    head += 'content-length: 0\r\n';
  }
  const host = incoming.host;
  if (host === undefined) head += `host: ${defaultHost}\r\n`;
  head +=
    `x-request-id: ${forwarded.requestId}\r\nx-forwarded-for: ${forwarded.clientIp}\r\n` +
    `x-forwarded-proto: ${forwarded.proto}\r\n`;
  if (host) head += `x-forwarded-host: ${host}\r\n`;
  return `${head}\r\n`;
}

/**
 * The fields of a response the gateway writes: the upstream's (already without hop-by-hop
 * fields), then the gateway's own for each name the upstream did not set, as a flat
 * `[name, value, …]` list for `writeHead`.
 */
export class ResponseHeaders {
  private readonly flat: string[];
  private readonly names: Set<string>;

  /** @param own the gateway's fields, lower-case names, set on every response. */
  constructor(own: ReadonlyArray<readonly [string, string]>) {
    this.flat = own.flatMap(([name, value]) => [name, value]);
    this.names = new Set(own.map(([name]) => name));
  }

  /** The gateway's fields plus a request id and `extra` (a flat list), for its own answers. */
  own(requestId: string, extra: string[]): string[] {
    return this.flat.concat('x-request-id', requestId, extra);
  }

  /** The fields of a proxied response: `upstream` (a flat list, lower-case names) merged in. */
  merge(upstream: string[], requestId: string): string[] {
    let overlap = false;
    let hasRequestId = false;
    for (let i = 0; i < upstream.length; i += 2) {
      const name = upstream[i];
      if (name === 'x-request-id') hasRequestId = true;
      else if (this.names.has(name)) overlap = true;
    }
    let out: string[];
    if (!overlap) out = this.flat.concat(upstream);
    else {
      // The upstream's value wins, as it does for a header set twice on a ServerResponse.
      const set = new Set(upstream.filter((_, i) => i % 2 === 0));
      out = this.flat.filter((_, i) => !set.has(this.flat[i - (i % 2)])).concat(upstream);
    }
    if (!hasRequestId) out.push('x-request-id', requestId);
    return out;
  }
}
