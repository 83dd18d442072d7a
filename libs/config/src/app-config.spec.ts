import { describe, expect, it } from '@jest/globals';
import { AppConfig, ConfigError } from './app-config.js';

const SECRET = 'x'.repeat(32);

function load(service: 'auth' | 'resource' | 'gateway', env: Record<string, string>): AppConfig {
  return new AppConfig(service, env);
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return 'no error';
}

describe('AppConfig', () => {
  it('starts a gateway with safe local defaults', () => {
    const config = load('gateway', {});
    expect(config.env).toMatchObject({
      GATEWAY_PORT: 8080,
      AUTH_MODES: ['session', 'jwt', 'hybrid'],
      SESSION_STORE: 'redis',
      JWT_ALG: 'EdDSA',
      JWT_TTL: 300,
    });
    expect(config.defaultMode).toBe('session');
  });

  it('parses the enabled modes as a comma list and honours the default mode', () => {
    const config = load('resource', {
      AUTH_MODES: 'jwt, session',
      JWT_ALG: 'HS256',
      JWT_SECRET: SECRET,
    });
    expect(config.env.AUTH_MODES).toEqual(['jwt', 'session']);
    expect(config.defaultMode).toBe('jwt');
  });

  it.each([
    ['SESSION_STORE', { SESSION_STORE: 'mongo' }],
    ['JWT_ALG', { JWT_ALG: 'none' }],
    ['AUTH_MODES', { AUTH_MODES: 'session,basic' }],
    ['JWT_TTL', { JWT_TTL: '-5' }],
    ['REDIS_URL', { REDIS_URL: 'not a url' }],
    ['REDIS_URL', { REDIS_URL: 'http://127.0.0.1:6379' }],
    // ioredis would connect in clear: it turns TLS on for a lower-case rediss:// only.
    ['REDIS_URL', { REDIS_URL: 'REDISS://cache.example.com:6380' }],
    ['GATEWAY_PORT', { GATEWAY_PORT: '70000' }],
  ])('names %s when its value is wrong', (variable, env) => {
    expect(errorOf(() => load('gateway', env))).toContain(variable);
  });

  // Kubernetes' service links: a Service named `gateway` gives every pod of its namespace
  // GATEWAY_PORT=tcp://<cluster IP>:8080; auth and the replicas stopped on it (issue #15).
  it('reads a service-link value of a port variable as unset, not as a bad port', () => {
    const config = load('resource', {
      GATEWAY_PORT: 'tcp://10.96.12.7:8080',
      INTROSPECTION_PORT: 'tcp://10.96.12.9:4000',
      PORT: '3002',
    });
    expect(config.env).toMatchObject({ GATEWAY_PORT: 8080, INTROSPECTION_PORT: 0, PORT: 3002 });
  });

  it('still refuses a port variable that is neither a port nor a service link', () => {
    expect(errorOf(() => load('gateway', { GATEWAY_PORT: 'http://10.96.12.7:8080' }))).toContain(
      'GATEWAY_PORT',
    );
  });

  it('refuses to start a resource replica for HS256 without a secret', () => {
    expect(errorOf(() => load('resource', { JWT_ALG: 'HS256' }))).toContain('JWT_SECRET');
  });

  it('refuses an HS256 secret shorter than 256 bits', () => {
    expect(errorOf(() => load('auth', { JWT_ALG: 'HS256', JWT_SECRET: 'short' }))).toContain(
      'JWT_SECRET',
    );
  });

  it('refuses to start the auth service for EdDSA without a key-encryption key', () => {
    expect(errorOf(() => load('auth', { JWT_ALG: 'EdDSA' }))).toContain(
      'JWT_KEY_ENCRYPTION_KEY_FILE',
    );
  });

  it('refuses a key-encryption key that is not 32 bytes', () => {
    expect(errorOf(() => load('auth', { JWT_KEY_ENCRYPTION_KEY: 'short' }))).toContain(
      'JWT_KEY_ENCRYPTION_KEY',
    );
  });

  it('gives the key-encryption key to the auth service only', () => {
    const kek = Buffer.alloc(32, 7).toString('base64url');
    expect(load('auth', { JWT_KEY_ENCRYPTION_KEY: kek }).keyEncryptionKey).toEqual(
      Buffer.alloc(32, 7),
    );
    expect(load('resource', { JWT_KEY_ENCRYPTION_KEY: kek }).keyEncryptionKey).toBeUndefined();
  });

  it('names the key file when it cannot be read', () => {
    expect(errorOf(() => load('auth', { JWT_PRIVATE_KEY_FILE: '/nonexistent/key.pem' }))).toContain(
      'JWT_PRIVATE_KEY_FILE',
    );
  });

  it('needs no key at all when jwt mode is off', () => {
    expect(load('auth', { AUTH_MODES: 'session' }).enabled('jwt')).toBe(false);
  });

  it('rejects a default mode that is not enabled', () => {
    expect(
      errorOf(() => load('gateway', { AUTH_MODES: 'session', DEFAULT_AUTH_MODE: 'jwt' })),
    ).toContain('DEFAULT_AUTH_MODE');
  });
});
