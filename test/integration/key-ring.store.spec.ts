import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig } from '@authfarm/config';
import { loadSigningKey } from '@authfarm/keys';
import { dataSourceOptions } from '../../apps/auth/src/database/data-source.js';
import { KeyRingError } from '../../apps/auth/src/keys/key-record.js';
import { KeyRingStore } from '../../apps/auth/src/keys/key-ring.store.js';
import { testEnv } from '../support/test-env.js';

// The key ring's rules on the real database: one current key whatever runs at once, revocation
// never leaves the ring without a signing key, and no private key is stored in the clear.
let dataSource: DataSource;
const kek = randomBytes(32);
const ring = () =>
  new KeyRingStore(dataSource, `it-${randomBytes(6).toString('hex')}`, kek, 5 * 60_000);
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

beforeAll(async () => {
  const config = new AppConfig('migrate', { DATABASE_URL: testEnv().databaseUrl });
  dataSource = new DataSource(dataSourceOptions(config));
  await dataSource.initialize();
});
afterAll(async () => {
  await dataSource.query(`DELETE FROM signing_keys WHERE ring LIKE 'it-%'`);
  await dataSource.destroy();
});

const stateOf = async (store: KeyRingStore) =>
  Object.fromEntries((await store.all()).map((k) => [k.kid, k.state]));

describe('the key ring store', () => {
  it('starts an empty ring with a current and a next key, both sealed', async () => {
    const store = ring();
    await store.ensure('EdDSA', undefined);
    const keys = await store.all();
    expect(keys.map((k) => k.state).sort()).toEqual(['current', 'next']);
    for (const key of keys) {
      expect(key.sealedPrivateKey).not.toMatch(/PRIVATE KEY/);
      expect(key.publicJwk).toMatchObject({ kid: key.kid, alg: 'EdDSA' });
      expect(JSON.stringify(key.publicJwk)).not.toMatch(/"d"/);
    }
  });

  it('rotates exactly once when several auth replicas find the schedule due at the same moment', async () => {
    const store = ring();
    await store.ensure('EdDSA', undefined, minutesAgo(10));
    const changes = await Promise.all(
      Array.from({ length: 5 }, () => store.rotate({ ifOlderThanMs: 5 * 60_000 })),
    );
    expect(changes.filter(Boolean)).toHaveLength(1);
    const states = Object.values(await stateOf(store)).sort();
    expect(states).toEqual(['current', 'next', 'retired']);
  });

  it('promotes the published next key, so replicas already know the new current one', async () => {
    const store = ring();
    await store.ensure('ES256', undefined);
    const next = (await store.all()).find((k) => k.state === 'next');
    const change = await store.rotate();
    expect(change?.current).toBe(next?.kid);
  });

  it('replaces a revoked current key at once and keeps the revoked one out for good', async () => {
    const store = ring();
    await store.ensure('EdDSA', undefined);
    const current = (await store.all()).find((k) => k.state === 'current');
    const change = await store.revoke(current!.kid);
    expect(change.current).not.toBe(current!.kid);
    const states = await stateOf(store);
    expect(states[current!.kid]).toBe('revoked');
    expect(Object.values(states).filter((s) => s === 'current')).toHaveLength(1);
    await store.rotate();
    expect((await stateOf(store))[current!.kid]).toBe('revoked');
  });

  it('refuses to revoke a kid it does not hold', async () => {
    const store = ring();
    await store.ensure('EdDSA', undefined);
    await expect(store.revoke('nope')).rejects.toBeInstanceOf(KeyRingError);
  });

  it('leaves a ring with keys alone when JWT_ALG says another algorithm: the ring decides', async () => {
    const store = ring();
    await store.ensure('EdDSA', undefined);
    const before = await stateOf(store);
    const outcome = await store.ensure('ES256', undefined);
    expect(outcome).toEqual({ ringAlg: 'EdDSA' });
    expect(await stateOf(store)).toEqual(before);
  });

  it('moves an HS256 ring to an asymmetric algorithm by staging, then rotating (a migration)', async () => {
    const store = ring();
    const hs256 = loadSigningKey('HS256', { secret: randomBytes(32).toString('base64url') });
    await store.ensure('HS256', hs256);
    expect(await stateOf(store)).toEqual({ [hs256.kid]: 'current' });
    const staged = await store.stageNext('EdDSA');
    const change = await store.rotate({ alg: 'EdDSA' });
    expect(change).toMatchObject({ current: staged, retired: hs256.kid });
    const keys = await store.all();
    expect(keys.find((k) => k.kid === hs256.kid)?.sealedPrivateKey).toBeNull(); // never stored
    // A restart still configured for HS256 does not move the ring back.
    expect(await store.ensure('HS256', hs256)).toEqual({ ringAlg: 'EdDSA' });
    expect((await stateOf(store))[staged!]).toBe('current');
  });

  it('destroys the private key of a revoked key', async () => {
    const store = ring();
    await store.ensure('EdDSA', undefined);
    const current = (await store.all()).find((k) => k.state === 'current');
    expect(current?.sealedPrivateKey).toBeTruthy();
    await store.revoke(current!.kid);
    expect((await store.all()).find((k) => k.kid === current!.kid)?.sealedPrivateKey).toBeNull();
  });

  it('refuses to revoke the current HS256 key without an algorithm to replace it', async () => {
    const store = ring();
    const hs256 = loadSigningKey('HS256', { secret: randomBytes(32).toString('base64url') });
    await store.ensure('HS256', hs256);
    await expect(store.revoke(hs256.kid)).rejects.toThrow(/--alg/);
    expect(await stateOf(store)).toEqual({ [hs256.kid]: 'current' });
  });

  it('will not make an HS256 key itself: the secret is JWT_SECRET', async () => {
    const store = ring();
    await store.ensure('EdDSA', undefined);
    await expect(store.rotate({ alg: 'HS256' })).rejects.toThrow(/JWT_SECRET/);
  });
});
