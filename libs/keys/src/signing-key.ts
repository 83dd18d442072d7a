import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import type { JwtAlgorithm } from '@authfarm/config';

/** A public JWK as served by the JWKS endpoint: public members only. */
export interface PublicJwk {
  kty: string;
  kid: string;
  alg: JwtAlgorithm;
  use: 'sig';
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

/** What the auth service signs with. Only the auth service ever builds one. */
export interface SigningKey {
  kid: string;
  alg: JwtAlgorithm;
  /** PEM private key, or the shared secret for HS256. */
  key: string;
  /** Absent for HS256: a shared secret is never published. */
  publicJwk?: PublicJwk;
}

/** A key a verifier accepts, pinned to exactly one algorithm (RFC 8725 §3.1). */
export interface VerificationKey {
  kid: string;
  alg: JwtAlgorithm;
  /** PEM public key (SPKI), or the shared secret for HS256. */
  key: string;
}

const EXPECTED_KEY_TYPE: Record<Exclude<JwtAlgorithm, 'HS256'>, string> = {
  EdDSA: 'ed25519',
  ES256: 'ec',
  RS256: 'rsa',
};

/** RFC 7638 JWK thumbprint: a stable kid that names the key without revealing it. */
export function jwkThumbprint(jwk: Record<string, unknown>): string {
  const members: Record<string, string[]> = {
    OKP: ['crv', 'kty', 'x'],
    EC: ['crv', 'kty', 'x', 'y'],
    RSA: ['e', 'kty', 'n'],
  };
  const required = members[String(jwk.kty)];
  if (!required) throw new Error(`unsupported key type ${String(jwk.kty)}`);
  const canonical = JSON.stringify(Object.fromEntries(required.map((m) => [m, jwk[m]])));
  return createHash('sha256').update(canonical).digest('base64url');
}

/** kid for a shared secret: a domain-separated hash prefix, so the kid says nothing useful. */
export function secretKid(secret: string): string {
  return createHash('sha256')
    .update('authfarm-hs256-kid\0')
    .update(secret)
    .digest('base64url')
    .slice(0, 16);
}

/** Builds the public JWK of a public key, rejecting a key of the wrong type for `alg`. */
export function publicJwk(publicKey: KeyObject, alg: Exclude<JwtAlgorithm, 'HS256'>): PublicJwk {
  if (publicKey.asymmetricKeyType !== EXPECTED_KEY_TYPE[alg]) {
    throw new Error(`a ${publicKey.asymmetricKeyType} key cannot sign ${alg}`);
  }
  if (alg === 'ES256' && publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('ES256 needs a P-256 key');
  }
  const exported = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  const { kty, crv, x, y, n, e } = exported;
  const jwk: PublicJwk = { kty, kid: jwkThumbprint(exported), alg, use: 'sig' };
  Object.assign(jwk, strip({ crv, x, y, n, e }));
  return jwk;
}

/** Loads the signing key of the auth service from configuration. */
export function loadSigningKey(
  alg: JwtAlgorithm,
  material: { secret?: string; privateKeyPem?: string },
): SigningKey {
  if (alg === 'HS256') {
    if (!material.secret) throw new Error('HS256 needs a secret');
    return { kid: secretKid(material.secret), alg, key: material.secret };
  }
  if (!material.privateKeyPem) throw new Error(`${alg} needs a private key`);
  const privateKey = createPrivateKey(material.privateKeyPem);
  const jwk = publicJwk(createPublicKey(privateKey), alg);
  return {
    kid: jwk.kid,
    alg,
    key: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicJwk: jwk,
  };
}

/** Turns a JWK from a JWKS document into a verification key; returns undefined for unusable keys. */
export function verificationKeyFromJwk(jwk: Partial<PublicJwk>): VerificationKey | undefined {
  const alg = jwk.alg;
  if (!jwk.kid || (alg !== 'EdDSA' && alg !== 'ES256' && alg !== 'RS256')) return undefined;
  if (jwk.use !== undefined && jwk.use !== 'sig') return undefined;
  try {
    const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    if (key.asymmetricKeyType !== EXPECTED_KEY_TYPE[alg]) return undefined;
    return { kid: jwk.kid, alg, key: key.export({ format: 'pem', type: 'spki' }).toString() };
  } catch {
    return undefined;
  }
}

/**
 * Generates key material for the local farm only. Services never call this: a missing key
 * outside the local farm stops the process instead.
 */
export function generateKeyMaterial(alg: JwtAlgorithm): {
  secret?: string;
  privateKeyPem?: string;
} {
  if (alg === 'HS256') return { secret: randomSecret() };
  const { privateKey } =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
}

function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

function strip<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A new asymmetric signing key for the key ring (HS256 keys come from JWT_SECRET instead). */
export function generateSigningKey(alg: Exclude<JwtAlgorithm, 'HS256'>): SigningKey {
  return loadSigningKey(alg, generateKeyMaterial(alg));
}
