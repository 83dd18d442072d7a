import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { createHmac, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createSigner } from 'fast-jwt';
import { loadSigningKey, type SigningKey, type VerificationKey } from '@authfarm/keys';
import { JwtVerificationError, JwtVerifier } from './jwt-verifier.js';

const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);
const ISSUER = 'authfarm';
const AUDIENCE = 'authfarm-api';

function edKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  return loadSigningKey('EdDSA', {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  });
}

function publicOf(key: SigningKey): VerificationKey {
  if (key.alg === 'HS256') return { kid: key.kid, alg: key.alg, key: key.key };
  return {
    kid: key.kid,
    alg: key.alg,
    key: createPublicKey(key.key).export({ format: 'pem', type: 'spki' }).toString(),
  };
}

function sign(
  key: SigningKey,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
) {
  return createSigner({
    key: key.key,
    algorithm: key.alg,
    kid: key.kid,
    header: { alg: key.alg, typ: 'at+jwt', ...header },
  })({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'user-1',
    sid: 'session-1',
    jti: 'jti-1',
    preferred_username: 'alice',
    exp: Math.floor(NOW / 1000) + 300,
    ...claims,
  });
}

/** The payload an attacker would like accepted: an admin session, valid times. */
function forgedClaims(): string {
  return b64({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'admin',
    sid: 's',
    jti: 'j',
    iat: NOW / 1000,
    exp: NOW / 1000 + 300,
  });
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function reason(verifier: JwtVerifier, token: string): string {
  try {
    verifier.verify(token);
    return 'accepted';
  } catch (error) {
    return (error as JwtVerificationError).reason;
  }
}

describe('JwtVerifier', () => {
  let key: SigningKey;
  let verifier: JwtVerifier;

  beforeEach(() => {
    jest.useFakeTimers({ now: NOW });
    key = edKey();
    verifier = new JwtVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      leewaySeconds: 5,
      cacheSize: 0,
    });
    verifier.setKeys([publicOf(key)]);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('accepts a well-formed access token and returns its claims', () => {
    expect(verifier.verify(sign(key))).toMatchObject({ sub: 'user-1', sid: 'session-1' });
  });

  it('rejects a token with alg "none" and no signature', () => {
    const token = `${b64({ alg: 'none', typ: 'at+jwt', kid: key.kid })}.${forgedClaims()}.`;
    expect(reason(verifier, token)).toBe('invalid');
  });

  it('rejects a token signed by another key that claims the same kid', () => {
    const other = edKey();
    expect(reason(verifier, sign({ ...other, kid: key.kid }))).toBe('invalid');
  });

  it('rejects an HS256 token signed with the public key as the HMAC secret', () => {
    const publicPem = publicOf(key).key;
    const header = b64({ alg: 'HS256', typ: 'at+jwt', kid: key.kid });
    const payload = forgedClaims();
    const signature = createHmac('sha256', publicPem)
      .update(`${header}.${payload}`)
      .digest('base64url');
    expect(reason(verifier, `${header}.${payload}.${signature}`)).toBe('invalid');
  });

  it('rejects a token whose exp has passed beyond the leeway', () => {
    const token = sign(key);
    jest.setSystemTime(NOW + 300_000 + 6_000);
    expect(reason(verifier, token)).toBe('expired');
  });

  it('still accepts a token within the clock leeway after exp', () => {
    const token = sign(key);
    jest.setSystemTime(NOW + 300_000 + 3_000);
    expect(reason(verifier, token)).toBe('accepted');
  });

  it('rejects a token that is not valid yet (nbf in the future)', () => {
    expect(reason(verifier, sign(key, { nbf: Math.floor(NOW / 1000) + 60 }))).toBe('invalid');
  });

  it.each([
    ['a wrong issuer', { iss: 'evil' }, {}],
    ['a wrong audience', { aud: 'another-api' }, {}],
    ['a typ other than at+jwt (an ID token, say)', {}, { typ: 'JWT' }],
  ])('rejects a token with %s', (_name, claims, header) => {
    expect(reason(verifier, sign(key, claims, header))).toBe('invalid');
  });

  it('rejects a token missing the sid claim', () => {
    expect(reason(verifier, sign(key, { sid: undefined }))).toBe('invalid');
  });

  it('rejects a refresh token presented as an access token', () => {
    expect(reason(verifier, randomBytes(32).toString('base64url'))).toBe('malformed');
  });

  it('rejects a token signed by a key it does not know', () => {
    expect(reason(verifier, sign(edKey()))).toBe('unknown-kid');
  });

  it('rejects a tampered payload', () => {
    const [h, , s] = sign(key).split('.');
    const forged = forgedClaims();
    expect(reason(verifier, `${h}.${forged}.${s}`)).toBe('invalid');
  });

  it('pins each key to one algorithm: an HS256 key refuses an HS512 token', () => {
    const secret = loadSigningKey('HS256', { secret: randomBytes(32).toString('base64url') });
    verifier.setKeys([publicOf(secret)]);
    const token = createSigner({
      key: secret.key,
      algorithm: 'HS512',
      kid: secret.kid,
      header: { alg: 'HS512', typ: 'at+jwt' },
    })({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'u',
      sid: 's',
      jti: 'j',
    });
    expect(reason(verifier, token)).toBe('invalid');
    expect(reason(verifier, sign(secret))).toBe('accepted');
  });

  describe('its verified-token cache', () => {
    function cachedVerifier(cacheSize = 100): JwtVerifier {
      const cached = new JwtVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        leewaySeconds: 5,
        cacheSize,
      });
      cached.setKeys([publicOf(key)]);
      return cached;
    }

    it('serves a repeat from the cache, with frozen claims, but never past exp', () => {
      const cached = cachedVerifier();
      const token = sign(key);
      const first = cached.verify(token);
      expect(cached.cachedTokens).toBe(1);
      expect(cached.verify(token)).toBe(first);
      expect(Object.isFrozen(first)).toBe(true);
      // The leeway still applies to a fresh check, but the cached entry ends at exp itself.
      jest.setSystemTime(NOW + 300_000);
      expect(reason(cached, token)).toBe('accepted');
      jest.setSystemTime(NOW + 300_000 + 6_000);
      expect(reason(cached, token)).toBe('expired');
    });

    it('refuses a removed key at once, even a token it had cached (an emergency revocation)', () => {
      const cached = cachedVerifier();
      const token = sign(key);
      expect(reason(cached, token)).toBe('accepted');
      cached.removeKey(key.kid);
      expect(reason(cached, token)).toBe('unknown-kid');
      expect(cached.cachedTokens).toBe(0);
    });

    it('refuses a cached token once its kid is listed with different key material', () => {
      const cached = cachedVerifier();
      const token = sign(key);
      expect(reason(cached, token)).toBe('accepted');
      cached.setKeys([publicOf({ ...edKey(), kid: key.kid })]);
      expect(reason(cached, token)).toBe('invalid');
    });

    it("refuses a cached token's signature on another payload", () => {
      // A hit needs the whole token to match, whatever a cache might be keyed by.
      const cached = cachedVerifier();
      const token = sign(key);
      expect(reason(cached, token)).toBe('accepted');
      const [h, , s] = token.split('.');
      expect(reason(cached, `${h}.${forgedClaims()}.${s}`)).toBe('invalid');
      const [, p] = sign(key, { jti: 'other' }).split('.');
      expect(reason(cached, `${h}.${p}.${s}`)).toBe('invalid');
      // The genuine token is still served from the cache afterwards.
      expect(reason(cached, token)).toBe('accepted');
      expect(cached.cachedTokens).toBe(1);
    });

    it('holds at most cacheSize tokens, dropping the oldest', () => {
      const cached = cachedVerifier(3);
      const tokens = ['a', 'b', 'c', 'd'].map((jti) => sign(key, { jti }));
      for (const token of tokens) cached.verify(token);
      expect(cached.cachedTokens).toBe(3);
    });

    it('caches nothing when its size is 0', () => {
      const uncached = cachedVerifier(0);
      expect(reason(uncached, sign(key))).toBe('accepted');
      expect(uncached.cachedTokens).toBe(0);
    });
  });

  it('keeps accepting tokens of a key listed again after a rotation adds another', () => {
    const next = edKey();
    const token = sign(key);
    verifier.setKeys([publicOf(key), publicOf(next)]);
    expect(reason(verifier, token)).toBe('accepted');
    expect(reason(verifier, sign(next))).toBe('accepted');
    verifier.setKeys([publicOf(next)]);
    expect(reason(verifier, token)).toBe('unknown-kid');
  });
});
