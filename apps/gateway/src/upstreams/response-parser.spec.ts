import { describe, expect, it } from '@jest/globals';
import { ResponseParser, ResponseProtocolError } from './response-parser.js';

// Guards against a proxy that frames an upstream response wrongly: a body cut short or run on
// into the next response on a reused connection (desync), or a malformed response passed on.

interface Seen {
  status?: number;
  headers?: string[];
  body: string;
  ends: number;
  lastFlags: boolean[];
}

function read(
  pieces: Array<string | Buffer>,
  bodyless = false,
): { seen: Seen; parser: ResponseParser } {
  const seen: Seen = { body: '', ends: 0, lastFlags: [] };
  const parser = new ResponseParser();
  parser.expect(
    {
      head: (status, headers) => Object.assign(seen, { status, headers }),
      body: (chunk, last) => {
        seen.body += chunk.toString('latin1');
        seen.lastFlags.push(last);
      },
      end: () => seen.ends++,
    },
    bodyless,
  );
  for (const piece of pieces) parser.execute(Buffer.from(piece));
  return { seen, parser };
}

const split = (text: string): string[] => text.split('');

describe('ResponseParser', () => {
  const lengthResponse =
    'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n' +
    'Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n{"ok":true}';

  it('reads a Content-Length response, with lower-case names and no hop-by-hop fields', () => {
    const { seen, parser } = read([lengthResponse]);
    expect(seen).toMatchObject({ status: 200, body: '{"ok":true}', ends: 1 });
    expect(seen.headers).toEqual(['content-type', 'application/json', 'content-length', '11']);
    expect(seen.lastFlags).toEqual([true]);
    expect(parser.keepAlive).toBe(true);
  });

  it('reads the same response delivered one byte at a time', () => {
    const { seen } = read(split(lengthResponse));
    expect(seen).toMatchObject({ status: 200, body: '{"ok":true}', ends: 1 });
  });

  it('decodes a chunked body, extensions and trailers included, in any split', () => {
    const chunked =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '5\r\nhello\r\n1;ext=1\r\n \r\nA \r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n';
    for (const pieces of [[chunked], split(chunked)]) {
      const { seen, parser } = read(pieces);
      expect(seen).toMatchObject({ status: 200, body: 'hello 0123456789', ends: 1 });
      expect(seen.headers).toEqual([]);
      expect(seen.lastFlags.at(-1)).toBe(true);
      expect(parser.keepAlive).toBe(true);
    }
  });

  it('skips interim 1xx responses and reads the final one', () => {
    const { seen } = read(['HTTP/1.1 100 Continue\r\n\r\n', lengthResponse]);
    expect(seen).toMatchObject({ status: 200, body: '{"ok":true}', ends: 1 });
  });

  it('expects no body after HEAD, 204 and 304, whatever Content-Length says', () => {
    expect(read([lengthResponse.slice(0, -11)], true).seen).toMatchObject({ ends: 1, body: '' });
    expect(read(['HTTP/1.1 204 No Content\r\n\r\n']).seen).toMatchObject({ status: 204, ends: 1 });
    expect(read(['HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n']).seen).toMatchObject({
      status: 304,
      ends: 1,
    });
  });

  it('reads a body without framing until the connection ends, and then drops the connection', () => {
    const { seen, parser } = read(['HTTP/1.1 200 OK\r\n\r\nsome ', 'bytes']);
    expect(seen.ends).toBe(0);
    parser.closed();
    expect(seen).toMatchObject({ body: 'some bytes', ends: 1 });
    expect(parser.keepAlive).toBe(false);
  });

  it('does not reuse a connection the upstream says it closes, or an HTTP/1.0 one', () => {
    expect(
      read(['HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n']).parser.keepAlive,
    ).toBe(false);
    expect(read(['HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n']).parser.keepAlive).toBe(false);
  });

  it.each([
    ['a malformed status line', 'HTTP/2 200 OK\r\n\r\n'],
    ['a folded header line', 'HTTP/1.1 200 OK\r\nA: b\r\n  c\r\nContent-Length: 0\r\n\r\n'],
    ['a line without a colon', 'HTTP/1.1 200 OK\r\nnonsense\r\n\r\n'],
    ['a non-numeric Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n'],
    [
      'two different Content-Lengths',
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
    ],
    [
      'both Content-Length and Transfer-Encoding',
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
    ],
    ['a bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    [
      'chunk data longer than its size',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n',
    ],
    ['a protocol switch nobody asked for', 'HTTP/1.1 101 Switching Protocols\r\n\r\n'],
    ['bytes after the response', `${lengthResponse}HTTP/1.1 200 OK\r\n\r\n`],
  ])('refuses %s', (_, response) => {
    expect(() => read([response])).toThrow(ResponseProtocolError);
  });

  it('refuses a head that never ends', () => {
    const endless = [
      'HTTP/1.1 200 OK\r\n',
      ...Array.from({ length: 70 }, () => `X: ${'a'.repeat(1020)}\r\n`),
    ];
    expect(() => read(endless)).toThrow(ResponseProtocolError);
  });
});
