import { describe, expect, it } from '@jest/globals';
import { call } from '../support/http.js';
import { farmForThisFile } from '../support/test-farm.js';
import { TestUser, bearer } from '../support/users.js';

// Guards against cross-site writes riding on the session cookie (CSRF), responses that a
// browser may frame, sniff or cache, and CORS that would hand credentials to a foreign origin.
const farm = farmForThisFile({ REPLICAS: '2', ALLOWED_ORIGINS: 'https://app.example' });

const own = () => new URL(farm.gatewayUrl).origin;

describe('cross-site request forgery', () => {
  it('refuses a cookie-authenticated write from a foreign origin with 403, and the session survives', async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const cookie = await user.cookie();
    const crossSite: Array<Record<string, string>> = [
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of crossSite) {
      const reply = await call(`${farm.gatewayUrl}/auth/logout-all`, {
        method: 'POST',
        headers: { ...cookie, ...headers },
      });
      expect(reply.status).toBe(403);
      expect(reply.body.error).toBe('CSRF_REJECTED');
    }
    expect((await call(`${farm.gatewayUrl}/api/me`, { headers: cookie })).status).toBe(200);
    const sameOrigin = await call(`${farm.gatewayUrl}/auth/logout`, {
      method: 'POST',
      headers: { ...cookie, origin: own(), 'sec-fetch-site': 'same-origin' },
    });
    expect(sameOrigin.status).toBe(204);
  });

  it('leaves bearer-token writes alone: a browser never attaches them by itself', async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const token = bearer(await user.tokens('jwt'));
    const reply = await call(`${farm.gatewayUrl}/api/me/password-change-intent`, {
      method: 'POST',
      headers: { ...token, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    });
    expect(reply.status).toBe(202);
  });

  it('refuses a cross-site login, and accepts one from an allowed origin', async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const body = { username: user.username, password: 'correct horse battery', mode: 'session' };
    const foreign = await call(`${farm.gatewayUrl}/auth/login`, {
      body,
      headers: { origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    const allowed = await call(`${farm.gatewayUrl}/auth/login`, {
      body,
      headers: { origin: 'https://app.example' },
    });
    expect(allowed.status).toBe(200);
  });
});

describe('response headers', () => {
  it('puts security headers on every gateway response, errors included', async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    for (const reply of [
      await call(`${farm.gatewayUrl}/api/me`, { headers: await user.cookie() }),
      await call(`${farm.gatewayUrl}/api/me`),
      await call(`${farm.gatewayUrl}/auth/login`, { body: { username: 'x', password: 'y' } }),
      await call(`${farm.gatewayUrl}/nowhere`),
    ]) {
      expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
      expect(reply.headers.get('x-frame-options')).toBe('DENY');
      expect(reply.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(reply.headers.get('referrer-policy')).toBe('no-referrer');
      expect(reply.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(reply.headers.get('cross-origin-resource-policy')).toBe('same-origin');
      // Personal data and auth outcomes: no browser or shared cache may keep them.
      expect(reply.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('marks every auth response no-store, errors included, but lets the JWKS be cached', async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const replies = [
      await call(`${farm.gatewayUrl}/auth/login`, {
        body: { username: user.username, password: 'wrong password' },
      }),
      await call(`${farm.gatewayUrl}/auth/sessions`, { headers: await user.cookie() }),
      await call(`${farm.gatewayUrl}/auth/sessions`),
    ];
    for (const reply of replies) expect(reply.headers.get('cache-control')).toBe('no-store');
    const jwks = await call(`${farm.gatewayUrl}/.well-known/jwks.json`);
    expect(jwks.headers.get('cache-control')).toMatch(/^public/);
  });

  it('never reflects a foreign origin in CORS headers', async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const reply = await call(`${farm.gatewayUrl}/api/me`, {
      headers: { ...(await user.cookie()), origin: 'https://evil.example' },
    });
    expect(reply.headers.get('access-control-allow-origin')).toBeNull();
    expect(reply.headers.get('access-control-allow-credentials')).toBeNull();
  });
});
