import { describe, expect, it } from '@jest/globals';
import { crossSiteReason } from './csrf.js';

const allowed = new Set(['https://app.example']);
const post = (headers: Record<string, string>) =>
  crossSiteReason({ method: 'POST', headers: { host: 'farm.example', ...headers } }, allowed);

describe('crossSiteReason', () => {
  it('lets a same-origin write through', () => {
    expect(
      post({ origin: 'https://farm.example', 'sec-fetch-site': 'same-origin' }),
    ).toBeUndefined();
  });

  it('lets a write from an allowed origin through', () => {
    expect(post({ origin: 'https://app.example' })).toBeUndefined();
  });

  it.each([
    ['a foreign Origin', { origin: 'https://evil.example' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['an opaque Origin (sandboxed frame, data: URL)', { origin: 'null' }],
    ['a malformed Origin', { origin: 'not a url' }],
    ['a look-alike host', { origin: 'https://farm.example.evil.example' }],
  ])('refuses a write with %s', (_case, headers) => {
    expect(post(headers)).toBeDefined();
  });

  it('compares with the host the browser used, as the gateway forwards it', () => {
    expect(
      post({ origin: 'https://public.example', 'x-forwarded-host': 'public.example' }),
    ).toBeUndefined();
  });

  it('never judges reads, and lets non-browser clients (no Origin, no Sec-Fetch-Site) through', () => {
    expect(
      crossSiteReason({ method: 'GET', headers: { origin: 'https://evil.example' } }, allowed),
    ).toBeUndefined();
    expect(post({})).toBeUndefined();
  });
});
