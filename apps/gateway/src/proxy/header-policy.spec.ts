import { describe, expect, it } from '@jest/globals';
import { upstreamHeaders } from './header-policy.js';

describe('upstreamHeaders', () => {
  const forwarded = { requestId: 'req-12345678', clientIp: '127.0.0.9', proto: 'http' };

  it('drops identity and forwarding headers a client tried to set', () => {
    const headers = upstreamHeaders(
      {
        'x-user-id': 'admin',
        'x-user-roles': 'root',
        'x-authenticated-user': 'admin',
        'x-forwarded-for': '10.0.0.1',
        'x-forwarded-user': 'admin',
        forwarded: 'for=10.0.0.1',
        authorization: 'Bearer t',
      },
      forwarded,
    );
    expect(
      Object.keys(headers).filter((h) => h.startsWith('x-user') || h.startsWith('x-authenticated')),
    ).toEqual([]);
    expect(headers).not.toHaveProperty('forwarded');
    expect(headers['x-forwarded-for']).toBe('127.0.0.9');
    expect(headers.authorization).toBe('Bearer t');
  });

  it('sets its own request id and drops hop-by-hop headers', () => {
    const headers = upstreamHeaders(
      {
        'x-request-id': 'client-chosen',
        connection: 'close',
        'keep-alive': 'timeout=1',
        host: 'farm',
      },
      forwarded,
    );
    expect(headers['x-request-id']).toBe('req-12345678');
    expect(headers).not.toHaveProperty('connection');
    expect(headers).not.toHaveProperty('keep-alive');
    expect(headers['x-forwarded-host']).toBe('farm');
  });
});
