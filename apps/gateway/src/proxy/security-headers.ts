import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

/**
 * helmet's response headers, tightened for a JSON API (nothing may be framed or loaded), and
 * captured once at start-up: applying a fixed list costs less per request than running the
 * middleware chain.
 */
export function securityHeaders(): Array<[string, string]> {
  const captured: Array<[string, string]> = [];
  const res = {
    setHeader: (name: string, value: string) => captured.push([name.toLowerCase(), String(value)]),
    removeHeader: () => undefined,
    getHeader: () => undefined,
  };
  const middleware = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    frameguard: { action: 'deny' },
  });
  middleware({} as IncomingMessage, res as unknown as ServerResponse, () => undefined);
  return captured;
}
