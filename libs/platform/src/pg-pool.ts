import { Socket } from 'node:net';
import pg from 'pg';

/** A pg pool whose queries fail within the store timeout when Postgres is away. */
export function createPgPool(url: string, timeoutMs: number, max = 10): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: timeoutMs * 2,
    query_timeout: timeoutMs * 2,
    idleTimeoutMillis: 30_000,
    stream: coalescingSocket,
  });
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * A socket that sends what one event-loop turn wrote to it in one system call. pg writes each
 * message of a prepared query (bind, describe, execute, sync) on its own: four writes, four
 * system calls and four wake-ups of the server, measured at about 150 µs of replica CPU per
 * session check (docs/benchmark.md). With TLS, pg wraps this socket and its writes go through
 * the TLS socket instead, uncoalesced.
 */
export function coalescingSocket(): Socket {
  const socket = new Socket();
  const write = socket.write;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  socket.write = function (this: Socket, ...args: Parameters<Socket['write']>): boolean {
    if (!corked) {
      corked = true;
      this.cork();
      process.nextTick(uncork);
    }
    return write.apply(this, args);
  } as Socket['write'];
  return socket;
}
