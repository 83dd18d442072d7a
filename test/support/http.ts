/** A small HTTP client for the e2e specs: JSON in, status, headers and JSON out. */
export interface Reply<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export async function call<T = Record<string, unknown>>(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : {}) as T,
  };
}

/** The `name=value` pair of the session cookie a login set, ready for a Cookie header. */
export function sessionCookieOf(reply: Reply): string {
  const cookie = reply.headers.getSetCookie().find((c) => c.startsWith('__Host-sid='));
  if (!cookie) throw new Error('no session cookie was set');
  return cookie.split(';')[0];
}
