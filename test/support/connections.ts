import { request, type Agent } from 'node:http';
import { connect } from 'node:net';
import { Redis } from 'ioredis';

/** How one request ended: its status (0 if there was none), the socket error if any, and when. */
export interface Answer {
  status: number;
  error?: string;
  endedAt: number;
}

/**
 * One request through `agent`, so that a keep-alive agent keeps the connection afterwards, as a
 * browser or the gateway would. Never rejects: a reset or refusal is an answer too.
 */
export function send(
  agent: Agent,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Answer> {
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  return new Promise((resolve) => {
    const done = (status: number, error?: string) =>
      resolve({ status, ...(error ? { error } : {}), endedAt: Date.now() });
    const outgoing = request(
      url,
      {
        agent,
        method: init.method ?? (body === undefined ? 'GET' : 'POST'),
        headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...init.headers },
        timeout: 10_000,
      },
      (response) => {
        response.resume();
        response.on('end', () => done(response.statusCode ?? 0));
        response.on('error', (error: NodeJS.ErrnoException) => done(0, error.code ?? 'ERROR'));
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(Object.assign(new Error(), { code: 'TIMEOUT' })));
    outgoing.on('error', (error: NodeJS.ErrnoException) => done(0, error.code ?? 'ERROR'));
    outgoing.end(body);
  });
}

/**
 * Opens a TCP connection to a loopback port and closes it at once: does the port accept? A reset
 * during the handshake counts as refused: the listener closed with this connection still queued.
 */
export function tryConnect(port: number): Promise<'accepted' | 'refused'> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('accepted');
    });
    socket.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET'
        ? resolve('refused')
        : reject(error),
    );
  });
}

/**
 * Redis MONITOR: the commands Redis runs that `match` accepts, as Redis runs them. Lets a test
 * await the moment a request has reached a service (its first store command) without sleeping.
 */
export async function watchRedis(
  url: string,
  match: (args: string[]) => boolean,
): Promise<{ seen: string[][]; close(): void }> {
  const client = new Redis(url, { lazyConnect: true });
  await client.connect();
  const monitor = await client.monitor();
  const seen: string[][] = [];
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (match(args)) seen.push(args);
  });
  return {
    seen,
    close: () => {
      monitor.disconnect();
      client.disconnect();
    },
  };
}
