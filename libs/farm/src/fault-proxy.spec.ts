import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { FaultProxy } from './fault-proxy.js';

// Guards the honesty of the fault tests: a cut that left pooled connections alive would let a
// "Postgres is down" test pass against a database that still answers; a delay that reordered
// bytes, or dropped a store's last answer before its hang-up, would fail requests no real network
// would fail.
let server: Server;
let serverPort: number;
let proxy: FaultProxy;
const opened: Socket[] = [];

beforeAll(async () => {
  // Echoes each chunk; "bye" gets its answer and then the connection is closed, like Redis QUIT.
  server = createServer((socket) => {
    socket.on('data', (chunk) =>
      chunk.toString() === 'bye' ? socket.end('ok') : socket.write(chunk),
    );
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverPort = (server.address() as { port: number }).port;
});
afterEach(async () => {
  for (const socket of opened.splice(0)) socket.destroy();
  await proxy.stop();
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function through(): Promise<{
  socket: Socket;
  received: () => string;
  ended: Promise<void>;
}> {
  const socket = connect(proxy.port, '127.0.0.1');
  opened.push(socket);
  let text = '';
  socket.on('data', (chunk) => (text += chunk.toString()));
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => text, ended };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe('FaultProxy', () => {
  it('drops connections already open when cut, refuses new ones, and accepts again when restored', async () => {
    proxy = new FaultProxy('127.0.0.1', serverPort);
    await proxy.start();
    const pooled = await through();
    pooled.socket.write('ping');
    await until(() => pooled.received() === 'ping');

    await proxy.cut();
    await pooled.ended;
    await expect(through()).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    await proxy.restore();
    const fresh = await through();
    fresh.socket.write('pong');
    await until(() => fresh.received() === 'pong');
  });

  it('keeps bytes in order when the delay shrinks mid-stream', async () => {
    proxy = new FaultProxy('127.0.0.1', serverPort);
    await proxy.start();
    const client = await through();
    proxy.delayMs = 200;
    client.socket.write('first ');
    // Let the first chunk reach the proxy on its own (a missed chunk only makes this pass weaker).
    await new Promise((resolve) => setTimeout(resolve, 50));
    proxy.delayMs = 0;
    client.socket.write('second');
    await until(() => client.received().length >= 'first second'.length);
    expect(client.received()).toBe('first second');
  });

  it("delivers a peer's last answer before its hang-up, under a delay", async () => {
    proxy = new FaultProxy('127.0.0.1', serverPort);
    proxy.delayMs = 30;
    await proxy.start();
    const client = await through();
    client.socket.write('bye');
    await client.ended;
    expect(client.received()).toBe('ok');
  });
});
