import { describe, expect, it } from '@jest/globals';
import { createPublicKey } from 'node:crypto';
import { JWT_ALGORITHMS } from '@authfarm/config';
import { generateKeyMaterial, loadSigningKey, verificationKeyFromJwk } from './signing-key.js';

describe('signing keys', () => {
  it.each(JWT_ALGORITHMS.filter((a) => a !== 'HS256'))(
    'publishes only the public members of a %s key',
    (alg) => {
      const key = loadSigningKey(alg, generateKeyMaterial(alg));
      const jwk = key.publicJwk as unknown as Record<string, unknown>;
      for (const privateMember of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) {
        expect(jwk).not.toHaveProperty(privateMember);
      }
      expect(jwk).toMatchObject({ alg, use: 'sig', kid: key.kid });
      const imported = verificationKeyFromJwk(key.publicJwk!);
      expect(imported?.key).toBe(
        createPublicKey(key.key).export({ format: 'pem', type: 'spki' }).toString(),
      );
    },
  );

  it('never publishes an HS256 secret', () => {
    const key = loadSigningKey('HS256', generateKeyMaterial('HS256'));
    expect(key.publicJwk).toBeUndefined();
    expect(key.kid).not.toContain(key.key.slice(0, 8));
  });

  it('refuses a key of the wrong type for the algorithm', () => {
    const { privateKeyPem } = generateKeyMaterial('RS256');
    expect(() => loadSigningKey('EdDSA', { privateKeyPem })).toThrow(/cannot sign EdDSA/);
  });

  it('ignores a JWKS entry whose key type does not match its alg', () => {
    const rsa = loadSigningKey('RS256', generateKeyMaterial('RS256')).publicJwk!;
    expect(verificationKeyFromJwk({ ...rsa, alg: 'EdDSA' })).toBeUndefined();
    expect(verificationKeyFromJwk({ ...rsa, alg: 'HS256' as never })).toBeUndefined();
  });
});
