import { describe, expect, it } from '@jest/globals';
import { requestHead, ResponseHeaders } from './header-policy.js';

/** The fields of a request head, by lower-case name (repeated names joined with ", "). */
function fieldsOf(head: string): Record<string, string> {
  const [, ...lines] = head.slice(0, head.indexOf('\r\n\r\n')).split('\r\n');
  const fields: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    fields[name] = name in fields ? `${fields[name]}, ${value}` : value;
  }
  return fields;
}

describe('requestHead', () => {
  const forwarded = { requestId: 'req-12345678', clientIp: '127.0.0.9', proto: 'http' };
  const upstreamHeaders = (incoming: Record<string, string>, method = 'GET') =>
    fieldsOf(requestHead(method, '/api/me', incoming, forwarded, '127.0.0.1:3002'));

  it('drops identity and forwarding headers a client tried to set', () => {
    const headers = upstreamHeaders({
      'x-user-id': 'admin',
      'x-user-roles': 'root',
      'x-authenticated-user': 'admin',
      'x-forwarded-for': '10.0.0.1',
      'x-forwarded-user': 'admin',
      forwarded: 'for=10.0.0.1',
      authorization: 'Bearer t',
    });
    expect(
      Object.keys(headers).filter((h) => h.startsWith('x-user') || h.startsWith('x-authenticated')),
    ).toEqual([]);
    expect(headers).not.toHaveProperty('forwarded');
    expect(headers['x-forwarded-for']).toBe('127.0.0.9');
    expect(headers).not.toHaveProperty('x-forwarded-user');
    expect(headers.authorization).toBe('Bearer t');
  });

  it('sets its own request id and drops hop-by-hop headers', () => {
    const headers = upstreamHeaders({
      'x-request-id': 'client-chosen',
      connection: 'close',
      'keep-alive': 'timeout=1',
      host: 'farm',
    });
    expect(headers['x-request-id']).toBe('req-12345678');
    expect(headers).not.toHaveProperty('connection');
    expect(headers).not.toHaveProperty('keep-alive');
    expect(headers['x-forwarded-host']).toBe('farm');
  });

  it('starts with the request line and ends with the empty line', () => {
    const head = requestHead('GET', '/api/me?x=1', { host: 'farm' }, forwarded, 'unused');
    expect(head.startsWith('GET /api/me?x=1 HTTP/1.1\r\n')).toBe(true);
    expect(head.endsWith('\r\n\r\n')).toBe(true);
    expect(head.indexOf('\r\n\r\n')).toBe(head.length - 4);
  });

  it('re-frames a chunked body chunked and keeps a declared length', () => {
    const chunked = upstreamHeaders({ host: 'farm', 'transfer-encoding': 'gzip, chunked' }, 'POST');
    expect(chunked['transfer-encoding']).toBe('chunked');
    expect(chunked).not.toHaveProperty('content-length');
    expect(
      upstreamHeaders({ host: 'farm', 'content-length': '12' }, 'POST')['content-length'],
    ).toBe('12');
    expect(upstreamHeaders({ host: 'farm' }, 'POST')['content-length']).toBe('0');
    expect(upstreamHeaders({ host: 'farm' }, 'GET')).not.toHaveProperty('content-length');
  });

  it('names the upstream as Host when the client sent none', () => {
    const headers = upstreamHeaders({});
    expect(headers.host).toBe('127.0.0.1:3002');
    expect(headers).not.toHaveProperty('x-forwarded-host');
  });
});

describe('ResponseHeaders', () => {
  const policy = new ResponseHeaders([
    ['x-frame-options', 'DENY'],
    ['referrer-policy', 'no-referrer'],
  ]);
  const asObject = (flat: string[]) =>
    Object.fromEntries(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1]]] : [])));

  it("adds the gateway's headers and request id to an upstream response", () => {
    const merged = asObject(policy.merge(['content-type', 'application/json'], 'req-1'));
    expect(merged).toEqual({
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'content-type': 'application/json',
      'x-request-id': 'req-1',
    });
  });

  it("lets the upstream's own value of a header win, once", () => {
    const flat = policy.merge(['x-frame-options', 'SAMEORIGIN', 'x-request-id', 'req-1'], 'req-1');
    expect(flat.filter((v, i) => i % 2 === 0 && v === 'x-frame-options')).toHaveLength(1);
    expect(asObject(flat)['x-frame-options']).toBe('SAMEORIGIN');
    expect(flat.filter((v, i) => i % 2 === 0 && v === 'x-request-id')).toHaveLength(1);
  });
});
