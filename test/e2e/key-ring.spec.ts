import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Farm } from '@authfarm/farm';
import { call, type Reply } from '../support/http.js';
import { farmForThisFile, startTestFarm } from '../support/test-farm.js';
import { bearer, TestUser, type TokenPair } from '../support/users.js';
import { waitFor } from '../support/wait-for.js';

const KEYS_CLI = fileURLToPath(
  new URL('../../dist/apps/auth/src/keys/keys.cli.js', import.meta.url),
);

/** `npm run keys -- <args>` against a farm, with the auth service's configuration. */
async function keys(farm: Farm, ...args: string[]): Promise<string> {
  const child = spawn(process.execPath, [KEYS_CLI, ...args], {
    env: { ...farm.authEnv, PATH: process.env.PATH ?? '' },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`keys ${args.join(' ')} exited ${code}: ${output}`);
  return output;
}

const headerOf = (token: string): { kid: string; alg: string } =>
  JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) as {
    kid: string;
    alg: string;
  };

const refresh = (farm: Farm, pair: TokenPair): Promise<Reply<TokenPair>> =>
  call<TokenPair>(`${farm.gatewayUrl}/auth/refresh`, {
    body: { refresh_token: pair.refresh_token },
  });

async function statusOnEveryReplica(farm: Farm, token: string): Promise<number[]> {
  const headers = { authorization: `Bearer ${token}` };
  return Promise.all(
    farm.replicas.map(async (r) => (await call(`${r.url}/api/me`, { headers })).status),
  );
}

async function jwksKids(farm: Farm): Promise<string[]> {
  const reply = await call<{ keys: Array<{ kid: string }> }>(
    `${farm.gatewayUrl}/.well-known/jwks.json`,
  );
  return reply.body.keys.map((key) => key.kid);
}

/**
 * A fixed-rate load (every 10 ms) of authenticated requests through the gateway, each with the
 * newest token the test handed it: what clients see while keys change under them.
 */
function steadyLoad(farm: Farm, token: () => string) {
  let sent = 0;
  const failures: number[] = [];
  let running = true;
  const inflight = new Set<Promise<void>>();
  const timer = setInterval(() => {
    sent++;
    const request = call(`${farm.gatewayUrl}/api/me`, {
      headers: { authorization: `Bearer ${token()}` },
    })
      .then((reply) => {
        if (reply.status !== 200) failures.push(reply.status);
      })
      .catch(() => void failures.push(0))
      .finally(() => inflight.delete(request));
    inflight.add(request);
    if (!running) clearInterval(timer);
  }, 10);
  return {
    async stop(): Promise<{ sent: number; failures: number[] }> {
      running = false;
      clearInterval(timer);
      await Promise.all(inflight);
      return { sent, failures };
    },
  };
}

describe('key rotation', () => {
  const farm = farmForThisFile({ REPLICAS: '2', JWT_ALG: 'EdDSA', AUTH_MODES: 'jwt,hybrid' });

  it('rotates twice under load without failing a request; tokens of retired keys still verify', async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const first = await user.tokens('jwt');
    const hybrid = await user.tokens('hybrid');
    const firstKid = headerOf(first.access_token).kid;
    expect(await jwksKids(farm)).toHaveLength(2); // current and next, published ahead

    let newest = first;
    const load = steadyLoad(farm, () => newest.access_token);
    const kids = [firstKid];
    for (let i = 0; i < 2; i++) {
      await keys(farm, 'rotate');
      const reply = await refresh(farm, newest);
      expect(reply.status).toBe(200);
      newest = reply.body;
      kids.push(headerOf(newest.access_token).kid);
    }
    const { sent, failures } = await load.stop();

    expect(new Set(kids).size).toBe(3); // every rotation signs with a new key
    expect(sent).toBeGreaterThan(0);
    expect(failures).toEqual([]);
    // Retired keys stay published while tokens they signed can still be valid.
    expect(await jwksKids(farm)).toEqual(expect.arrayContaining(kids));
    for (const token of [first.access_token, hybrid.access_token, newest.access_token]) {
      expect(await statusOnEveryReplica(farm, token)).toEqual([200, 200]);
    }
  });

  it('lists the ring: one next, one current, and the retired keys', async () => {
    const listing = await keys(farm, 'list');
    const states = listing
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(/\s+/)[2]);
    expect(states.filter((s) => s === 'next')).toHaveLength(1);
    expect(states.filter((s) => s === 'current')).toHaveLength(1);
    expect(states.filter((s) => s === 'retired').length).toBeGreaterThanOrEqual(2);
    expect(listing).not.toMatch(/PRIVATE KEY/);
  });

  it('revokes a key in an emergency: every replica refuses its tokens within the push bound, and one refresh recovers', async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const pair = await user.tokens('jwt');
    const { kid } = headerOf(pair.access_token);
    expect(await statusOnEveryReplica(farm, pair.access_token)).toEqual([200, 200]);

    await keys(farm, 'revoke', kid);
    const revokedAt = Date.now();
    const reachMs = await waitFor(
      'every replica refuses the revoked kid',
      async () => (await statusOnEveryReplica(farm, pair.access_token)).every((s) => s === 401),
      2000,
      0,
    );
    process.stdout.write(`key revocation reached both replicas in ${reachMs} ms\n`);
    // The same bound as a pushed session revocation in hybrid mode (docs/modes/hybrid.md).
    expect(Date.now() - revokedAt).toBeLessThan(500);
    expect(await jwksKids(farm)).not.toContain(kid);

    // Refresh tokens are opaque: the client recovers with one refresh, not a login.
    const recovered = await refresh(farm, pair);
    expect(recovered.status).toBe(200);
    expect(headerOf(recovered.body.access_token).kid).not.toBe(kid);
    expect(await statusOnEveryReplica(farm, recovered.body.access_token)).toEqual([200, 200]);
  });

  it('keeps a revoked kid refused by a replica that starts after the revocation', async () => {
    const user = await TestUser.register(farm.gatewayUrl);
    const pair = await user.tokens('jwt');
    const { kid } = headerOf(pair.access_token);
    await keys(farm, 'revoke', kid);
    await farm.restartReplica(1);
    expect((await call(`${farm.replicas[1].url}/api/me`, { headers: bearer(pair) })).status).toBe(
      401,
    );
  });
});

describe('scheduled rotation', () => {
  it('rotates on the JWT_ROTATION_INTERVAL schedule, and tokens keep working across it', async () => {
    const farm = await startTestFarm({
      REPLICAS: '1',
      JWT_ALG: 'EdDSA',
      AUTH_MODES: 'jwt',
      JWT_ROTATION_INTERVAL: '2',
    });
    try {
      const user = await TestUser.register(farm.gatewayUrl);
      const first = await user.tokens('jwt');
      let latest = first;
      await waitFor(
        'a token signed by a newer key',
        async () => {
          latest = await user.tokens('jwt');
          return headerOf(latest.access_token).kid !== headerOf(first.access_token).kid;
        },
        15_000,
        250,
      );
      for (const pair of [first, latest]) {
        expect((await call(`${farm.gatewayUrl}/api/me`, { headers: bearer(pair) })).status).toBe(
          200,
        );
      }
    } finally {
      await farm.stop();
    }
  });
});

describe('algorithm migration, HS256 to EdDSA', () => {
  it('moves a running farm without logging anyone out, then switches HS256 off', async () => {
    const farm = await startTestFarm({ REPLICAS: '2', JWT_ALG: 'HS256', AUTH_MODES: 'jwt' });
    try {
      const user = await TestUser.register(farm.gatewayUrl);
      const old = await user.tokens('jwt');
      expect(headerOf(old.access_token).alg).toBe('HS256');
      expect(await jwksKids(farm)).toEqual([]); // a shared secret is never published

      // Step 1: new tokens are EdDSA; the replicas learn the new key by push.
      await keys(farm, 'rotate', '--alg', 'EdDSA', '--wait', '1');
      const moved = await refresh(farm, old);
      expect(moved.status).toBe(200);
      expect(headerOf(moved.body.access_token).alg).toBe('EdDSA');

      // Step 2: both algorithms verify while old tokens can still be valid.
      expect(await statusOnEveryReplica(farm, old.access_token)).toEqual([200, 200]);
      expect(await statusOnEveryReplica(farm, moved.body.access_token)).toEqual([200, 200]);

      // Step 3: HS256 off: the replicas restart, one at a time, without the shared secret.
      for (const index of [0, 1]) {
        await farm.restartReplica(index, { JWT_SECRET: undefined, JWT_ALG: 'EdDSA' });
      }
      expect(await statusOnEveryReplica(farm, old.access_token)).toEqual([401, 401]);
      expect(await statusOnEveryReplica(farm, moved.body.access_token)).toEqual([200, 200]);
      // Nobody was logged out: the session goes on with a refresh.
      const later = await refresh(farm, moved.body);
      expect(later.status).toBe(200);
      expect(await statusOnEveryReplica(farm, later.body.access_token)).toEqual([200, 200]);
    } finally {
      await farm.stop();
    }
  });

  it('refuses a revoked HS256 kid on replicas that hold the secret, also after a restart', async () => {
    const farm = await startTestFarm({ REPLICAS: '2', JWT_ALG: 'HS256', AUTH_MODES: 'jwt' });
    try {
      const user = await TestUser.register(farm.gatewayUrl);
      const pair = await user.tokens('jwt');
      const { kid } = headerOf(pair.access_token);
      await keys(farm, 'revoke', kid, '--alg', 'EdDSA');
      await waitFor(
        'every replica refuses the revoked HS256 kid',
        async () => (await statusOnEveryReplica(farm, pair.access_token)).every((s) => s === 401),
        2000,
        0,
      );
      await farm.restartReplica(1);
      expect(await statusOnEveryReplica(farm, pair.access_token)).toEqual([401, 401]);
      const recovered = await refresh(farm, pair);
      expect(recovered.status).toBe(200);
      expect(headerOf(recovered.body.access_token).alg).toBe('EdDSA');
      expect(await statusOnEveryReplica(farm, recovered.body.access_token)).toEqual([200, 200]);
    } finally {
      await farm.stop();
    }
  });
});
