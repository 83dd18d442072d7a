import type { LookupFunction } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Transport } from '@nestjs/microservices';
import { Redis } from 'ioredis';
import { redisTransport } from './redis-transport.js';

const options = (url: string) => redisTransport(url).options;

describe('redisTransport', () => {
  it('maps a rediss URL with user, password and database to TLS, username, password, db and port', () => {
    const transport = redisTransport('rediss://app:s3cret@cache.example.com:6380/2');
    expect(transport.transport).toBe(Transport.REDIS);
    expect(transport.options).toMatchObject({
      host: 'cache.example.com',
      port: 6380,
      username: 'app',
      password: 's3cret',
      db: 2,
      tls: { servername: 'cache.example.com' },
    });
  });

  it('never turns certificate verification off for rediss', () => {
    expect(options('rediss://cache.example.com')?.tls).not.toHaveProperty('rejectUnauthorized');
  });

  it('connects in the clear for a redis URL', () => {
    const plain = options('redis://:pw@redis:6379/0');
    expect(plain).toMatchObject({ host: 'redis', port: 6379, password: 'pw', db: 0 });
    expect(plain).not.toHaveProperty('tls');
    expect(plain).not.toHaveProperty('username');
  });

  it('decodes a percent-encoded username and password', () => {
    expect(options('rediss://us%40er:p%40ss%3Aw%2Frd%25@cache.example.com')).toMatchObject({
      username: 'us@er',
      password: 'p@ss:w/rd%',
    });
  });

  it.each([
    ['redis://redis', 6379],
    ['rediss://cache.example.com', 6379],
    ['rediss://cache.example.com:6380', 6380],
  ])('gives %s the port %d', (url, port) => {
    expect(options(url)?.port).toBe(port);
  });

  it('sends no SNI name for an IP address, which RFC 6066 does not allow', () => {
    expect(options('rediss://10.0.0.7:6380')?.tls).toEqual({});
  });

  it('connects to a bracketed IPv6 host by its bare address', () => {
    expect(options('redis://[::1]:6379')?.host).toBe('::1');
  });

  it('honours the family query parameter as ioredis does', () => {
    expect(options('redis://redis:6379?family=6')).toMatchObject({ family: 6 });
  });

  it('keeps reconnecting, quickly, whatever the URL', () => {
    expect(options('rediss://cache.example.com')).toMatchObject({
      retryAttempts: Number.MAX_SAFE_INTEGER,
      retryDelay: 200,
    });
  });

  it.each(['http://redis:6379', 'unix:///run/redis.sock', 'redis+sentinel://redis:26379'])(
    'rejects the unsupported scheme of %s, naming REDIS_URL',
    (url) => {
      expect(() => redisTransport(url)).toThrow(/^REDIS_URL: unsupported scheme/);
    },
  );

  it.each([
    ['redis://redis/zero', /database "zero" is not a number/],
    ['redis://redis?tls=true', /query parameter "tls" is not supported/],
    ['redis://redis?family=5', /query parameter "family" is not supported/],
  ])('rejects %s instead of ignoring part of it', (url, message) => {
    expect(() => redisTransport(url)).toThrow(message);
  });

  it('rejects a malformed password without repeating it', () => {
    expect(() => redisTransport('redis://:se%zzcret@redis')).toThrow(
      'REDIS_URL: the password has a malformed percent-encoding',
    );
  });
});

// Guards the failure this file was fixed for: the transport dropped the scheme of a rediss:// URL,
// so ioredis spoke RESP in the clear to a TLS port and the revocation channel of a managed Redis
// never connected, while the session store (which gives ioredis the URL itself) did.
describe('a client built from the transport options', () => {
  let server: Server;
  let port: number;
  const sockets = new Set<Socket>();
  const clients: Redis[] = [];

  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });

  afterEach(() => {
    // The client first, so it does not reconnect when its socket goes.
    for (const client of clients.splice(0)) client.disconnect();
    for (const socket of sockets) socket.destroy();
  });

  afterAll(async () => {
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
  });

  /** The first bytes a client made from `url`'s transport options sends to the server. */
  async function firstBytes(url: string, tlsExtra: { lookup?: LookupFunction } = {}) {
    const received = new Promise<Buffer>((resolve) =>
      server.once('connection', (socket) => socket.once('data', resolve)),
    );
    const transport = options(url);
    const client = new Redis({
      ...transport,
      ...(transport?.tls ? { tls: { ...transport.tls, ...tlsExtra } } : {}),
      lazyConnect: true,
    });
    client.on('error', () => undefined);
    clients.push(client);
    // A client that cannot reach the server fails the test at once instead of at its timeout.
    const failed = new Promise<never>((_resolve, reject) => client.once('error', reject));
    // The handshake never completes against this server: connect() fails when the test ends.
    client.connect().catch(() => undefined);
    return Promise.race([received, failed]);
  }

  it('opens a rediss connection with a TLS ClientHello, not a RESP command', async () => {
    const hello = await firstBytes(`rediss://app:s3cret@127.0.0.1:${port}/0`);
    expect(hello[0]).toBe(0x16); // TLS record type: handshake
    expect(hello.includes('s3cret')).toBe(false);
  });

  it('names the rediss host in the ClientHello (SNI)', async () => {
    // The name must resolve to this server: the lookup goes to the socket with the TLS options.
    const lookup = ((_host, opts, callback) =>
      opts.all
        ? callback(null, [{ address: '127.0.0.1', family: 4 }])
        : callback(null, '127.0.0.1', 4)) as LookupFunction;
    const hello = await firstBytes(`rediss://cache.authfarm.test:${port}`, { lookup });
    expect(hello[0]).toBe(0x16);
    expect(hello.includes('cache.authfarm.test')).toBe(true);
  });

  it('opens a redis connection with a plain RESP command', async () => {
    const first = await firstBytes(`redis://127.0.0.1:${port}`);
    expect(String.fromCharCode(first[0])).toBe('*'); // a RESP array: a command in the clear
  });
});
