import type { Logger } from './logger.js';

/** The one line each service writes per request. Never headers, bodies or query strings. */
export interface AccessLine {
  /** The gateway's X-Request-Id, the same in the gateway's line and the replica's. */
  reqId: string;
  method: string;
  /** The path, query string cut off: a query may carry a token. */
  url: string;
  /** Nest apps: the route pattern (`/auth/sessions/:id`), absent when no route matched. */
  route?: string;
  /** Gateway: the upstream pool the request went to (`auth`, `api`). */
  upstream?: string;
  status: number;
  /** Time to the response's end, milliseconds. */
  ms: number;
  /** Gateway: the client went away or the upstream broke off before the response ended. */
  aborted?: boolean;
}

// Probes (the gateway's every 500 ms per upstream, Kubernetes' own) would drown the real traffic.
const PROBES = new Set(['/health/live', '/health/ready', '/metrics']);

/**
 * The access log: one `info` line per request (`debug` for health probes and metrics scrapes).
 * Callers check `enabled` once at start-up and skip the per-request work when it is off, so
 * `LOG_LEVEL=warn` costs nothing per request.
 */
export class AccessLog {
  readonly enabled: boolean;
  private readonly probes: boolean;

  constructor(private readonly logger: Logger) {
    this.enabled = logger.isLevelEnabled('info');
    this.probes = logger.isLevelEnabled('debug');
  }

  write(line: AccessLine): void {
    if (!PROBES.has(line.url)) this.logger.info(line, 'request');
    else if (this.probes) this.logger.debug(line, 'request');
  }
}

/** The path of a request target, without its query string. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

/** Milliseconds, rounded to 0.01: enough for an access log, short to write. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}
