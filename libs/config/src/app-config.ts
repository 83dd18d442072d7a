import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { envSchema, type AuthMode, type Env } from './config.schema.js';

/** Which process is loading its configuration: requirements differ per service. */
export type ServiceName = 'auth' | 'resource' | 'gateway' | 'migrate' | 'farm' | 'keys';

/** Raised for a configuration the process must not start with. The message names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Typed, validated configuration. Built once at start-up; nothing else reads `process.env`.
 * Used as the injection key for configuration in every app.
 */
export class AppConfig {
  readonly env: Env;
  readonly defaultMode: AuthMode;
  /** The signing or verification secret/key material, read from a file where one was named. */
  readonly jwtPrivateKeyPem: string | undefined;
  /** Seals the key ring's private keys at rest (auth service and the keys command only). */
  readonly keyEncryptionKey: Buffer | undefined;

  constructor(
    readonly service: ServiceName,
    source: NodeJS.ProcessEnv | Record<string, string | undefined>,
  ) {
    const parsed = envSchema.safeParse(source);
    if (!parsed.success) throw new ConfigError(describe(parsed.error));
    const env = parsed.data;
    this.env = env;
    this.defaultMode = env.DEFAULT_AUTH_MODE ?? env.AUTH_MODES[0];
    if (!env.AUTH_MODES.includes(this.defaultMode)) {
      throw new ConfigError(`DEFAULT_AUTH_MODE: "${this.defaultMode}" is not in AUTH_MODES`);
    }
    if (env.SESSION_ABSOLUTE_TTL < env.SESSION_IDLE_TTL) {
      throw new ConfigError('SESSION_ABSOLUTE_TTL: must not be shorter than SESSION_IDLE_TTL');
    }
    this.jwtPrivateKeyPem = this.readPrivateKey();
    this.keyEncryptionKey = this.readKeyEncryptionKey();
    this.checkKeyMaterial();
    if (service === 'resource' && env.SESSION_CHECK === 'introspection' && !env.INTROSPECTION_URL) {
      throw new ConfigError('INTROSPECTION_URL: required when SESSION_CHECK=introspection');
    }
  }

  enabled(mode: AuthMode): boolean {
    return this.env.AUTH_MODES.includes(mode);
  }

  /** ALLOWED_ORIGINS as origins (scheme://host:port), for CSRF checks. */
  get allowedOrigins(): ReadonlySet<string> {
    return new Set(this.env.ALLOWED_ORIGINS.map((origin) => new URL(origin).origin));
  }

  /** True when access tokens are issued or accepted: jwt or hybrid mode is on. */
  get tokensEnabled(): boolean {
    return this.enabled('jwt') || this.enabled('hybrid');
  }

  private readPrivateKey(): string | undefined {
    const { JWT_PRIVATE_KEY, JWT_PRIVATE_KEY_FILE } = this.env;
    if (JWT_PRIVATE_KEY) return JWT_PRIVATE_KEY;
    if (!JWT_PRIVATE_KEY_FILE || this.service !== 'auth') return undefined;
    try {
      return readFileSync(JWT_PRIVATE_KEY_FILE, 'utf8');
    } catch {
      throw new ConfigError(`JWT_PRIVATE_KEY_FILE: cannot read ${JWT_PRIVATE_KEY_FILE}`);
    }
  }

  private readKeyEncryptionKey(): Buffer | undefined {
    if (this.service !== 'auth' && this.service !== 'keys') return undefined;
    const { JWT_KEY_ENCRYPTION_KEY, JWT_KEY_ENCRYPTION_KEY_FILE } = this.env;
    let encoded = JWT_KEY_ENCRYPTION_KEY;
    if (!encoded && JWT_KEY_ENCRYPTION_KEY_FILE) {
      try {
        encoded = readFileSync(JWT_KEY_ENCRYPTION_KEY_FILE, 'utf8').trim();
      } catch {
        throw new ConfigError(
          `JWT_KEY_ENCRYPTION_KEY_FILE: cannot read ${JWT_KEY_ENCRYPTION_KEY_FILE}`,
        );
      }
      if (!/^[A-Za-z0-9_-]{43}$/.test(encoded)) {
        throw new ConfigError('JWT_KEY_ENCRYPTION_KEY_FILE: must hold 32 bytes, base64url-encoded');
      }
    }
    return encoded ? Buffer.from(encoded, 'base64url') : undefined;
  }

  // A missing secret is never generated here: only the local farm runner may do that (issue #2).
  private checkKeyMaterial(): void {
    if (!this.tokensEnabled || !['auth', 'resource'].includes(this.service)) return;
    const symmetric = this.env.JWT_ALG === 'HS256';
    if (symmetric && !this.env.JWT_SECRET) {
      throw new ConfigError('JWT_SECRET: required when JWT_ALG=HS256 and jwt or hybrid mode is on');
    }
    if (!symmetric && this.service === 'auth' && !this.keyEncryptionKey) {
      throw new ConfigError(
        `JWT_KEY_ENCRYPTION_KEY_FILE: required by the auth service when JWT_ALG=${this.env.JWT_ALG}` +
          ' (it seals the private keys of the key ring)',
      );
    }
  }
}

function describe(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`)
    .join('; ');
}

/** Loads the configuration of a service, or stops the process with a message naming the variable. */
export function loadConfigOrExit(service: ServiceName, source = process.env): AppConfig {
  try {
    return new AppConfig(service, source);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`authfarm ${service}: invalid configuration: ${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
}
