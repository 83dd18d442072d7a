import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppConfig } from '@authfarm/config';
import { generateKeyEncryptionKey, generateKeyMaterial } from '@authfarm/keys';

// Generated only here, for this farm: the services themselves refuse to start without keys.
// The signing keys themselves are made by the auth service's key ring (docs/keys.md); the farm
// provides the secrets around them, as files, so they do not show in any process's environment.
export function localKeys(
  config: AppConfig,
  secretsDir: string | undefined,
  cleanups: Array<() => void>,
): Record<string, string> {
  const env = config.env;
  let dir = secretsDir;
  if (dir) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } else {
    const temporary = mkdtempSync(join(tmpdir(), 'authfarm-keys-'));
    cleanups.push(() => rmSync(temporary, { recursive: true, force: true }));
    dir = temporary;
  }
  const keep = (name: string, make: () => string): string => {
    const file = join(dir, name);
    if (!existsSync(file)) writeFileSync(file, make(), { mode: 0o600 });
    return readFileSync(file, 'utf8').trim();
  };
  const generated: Record<string, string> = {};
  if (!env.INTROSPECTION_SECRET) {
    generated.INTROSPECTION_SECRET = keep('introspection-secret', randomSecret);
  }
  if (env.JWT_ALG === 'HS256' && !env.JWT_SECRET) {
    generated.JWT_SECRET = keep('jwt-secret', randomSecret);
  }
  if (!env.JWT_KEY_ENCRYPTION_KEY && !env.JWT_KEY_ENCRYPTION_KEY_FILE) {
    keep('key-encryption-key', generateKeyEncryptionKey);
    generated.JWT_KEY_ENCRYPTION_KEY_FILE = join(dir, 'key-encryption-key');
  }
  return generated;
}

function randomSecret(): string {
  return generateKeyMaterial('HS256').secret as string;
}
