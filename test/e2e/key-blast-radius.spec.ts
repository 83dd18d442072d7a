import { afterAll, describe, expect, it } from '@jest/globals';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSigner } from 'fast-jwt';
import type { Farm } from '@authfarm/farm';
import { secretKid } from '@authfarm/keys';
import { call } from '../support/http.js';
import { startTestFarm } from '../support/test-farm.js';
import { TestUser } from '../support/users.js';

// What one leaked replica allows. Its configuration is read the way an intruder on the host
// would: from /proc/<pid>/environ of the running replica process.
const farms: Array<Promise<Farm>> = [];
afterAll(async () => {
  for (const farm of farms) await (await farm.catch(() => undefined))?.stop();
});

function replicaEnvironment(farm: Farm): Record<string, string> {
  const raw = readFileSync(`/proc/${farm.replicas[0].child.pid}/environ`, 'utf8');
  return Object.fromEntries(
    raw
      .split('\0')
      .filter(Boolean)
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const claimsFor = (sub: string) => ({
  iss: 'authfarm',
  aud: 'authfarm-api',
  sub,
  sid: 'forged',
  jti: randomUUID(),
  preferred_username: 'anyone',
  mode: 'jwt',
});

async function statusEverywhere(farm: Farm, token: string): Promise<number[]> {
  const headers = { authorization: `Bearer ${token}` };
  return Promise.all(
    farm.replicas.map(async (r) => (await call(`${r.url}/api/me`, { headers })).status),
  );
}

describe('a leaked replica configuration', () => {
  it('HS256: the secret from one replica mints a token for any user that every replica accepts', async () => {
    const starting = startTestFarm({ REPLICAS: '2', JWT_ALG: 'HS256' });
    farms.push(starting);
    const farm = await starting;
    const victim = await TestUser.register(farm.gatewayUrl);
    const secret = replicaEnvironment(farm).JWT_SECRET;
    expect(secret).toBeDefined();
    const forged = createSigner({
      key: secret,
      algorithm: 'HS256',
      kid: secretKid(secret),
      expiresIn: 60_000,
      header: { alg: 'HS256', typ: 'at+jwt' },
    })(claimsFor(victim.id));
    expect(await statusEverywhere(farm, forged)).toEqual([200, 200]);
    await farm.stop();
  });

  it('EdDSA: nothing in a replica can sign, and an HMAC keyed with the public key is refused', async () => {
    const starting = startTestFarm({ REPLICAS: '2', JWT_ALG: 'EdDSA' });
    farms.push(starting);
    const farm = await starting;
    const victim = await TestUser.register(farm.gatewayUrl);
    const env = replicaEnvironment(farm);
    for (const name of ['JWT_SECRET', 'JWT_PRIVATE_KEY', 'JWT_PRIVATE_KEY_FILE']) {
      expect(env[name]).toBeUndefined();
    }
    expect(Object.values(env).some((value) => value.includes('PRIVATE KEY'))).toBe(false);
    const { body } = await call<{ keys: Array<{ kid: string }> }>(
      `${farm.gatewayUrl}/.well-known/jwks.json`,
    );
    const jwk = body.keys[0];
    const input = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: jwk.kid })}.${b64({
      ...claimsFor(victim.id),
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 60,
    })}`;
    for (const keyText of [JSON.stringify(jwk), (jwk as unknown as { x: string }).x]) {
      const forged = `${input}.${createHmac('sha256', keyText).update(input).digest('base64url')}`;
      expect(await statusEverywhere(farm, forged)).toEqual([401, 401]);
    }
    await farm.stop();
  });
});
