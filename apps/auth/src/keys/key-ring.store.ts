import type { DataSource, EntityManager } from 'typeorm';
import type { AppConfig, JwtAlgorithm } from '@authfarm/config';
import { generateSigningKey, sealKey, type SigningKey } from '@authfarm/keys';
import {
  KeyRingError,
  SELECT,
  toRecord,
  type EnsureOutcome,
  type KeyRecord,
  type KeyRow,
  type KeyState,
  type RingChange,
} from './key-record.js';

// Every change of the ring runs under one transaction-scoped lock (the two-key form, in a space
// of its own), so auth replicas rotating on the same schedule and an operator's command never
// both promote a key.
const LOCK_SPACE = 0x6b657973; // 'keys'
const LOCK = `SELECT pg_advisory_xact_lock(${LOCK_SPACE}, hashtext($1::text))`;
/** How often each auth process rereads the ring: the safety net under the pushed changes. */
export const RING_RELOAD_INTERVAL_MS = 30_000;

/**
 * How long a retired key stays in use: tokens it signed (TTL and leeway), plus auth replicas
 * still signing with it until their next reread, plus clock skew between hosts.
 */
export function retiredWindowMs(ttlSeconds: number, leewaySeconds: number): number {
  return (ttlSeconds + leewaySeconds) * 1000 + RING_RELOAD_INTERVAL_MS + 30_000;
}

/** Retired keys whose window ended this long ago are deleted (revoked ones are kept). */
const RETIRED_KEPT_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The key ring's queries and the transitions between states. Once a ring has keys it is the
 * authority: configuration only fills an empty ring; changes of algorithm, rotations and
 * revocations are explicit (the schedule or `npm run keys`).
 */
export class KeyRingStore {
  constructor(
    private readonly dataSource: DataSource,
    /** Which ring (JWT_KEY_RING): farms sharing one database each keep their own. */
    private readonly ring: string,
    /** Seals private keys at rest; without it only HS256 (config secret) keys can be added. */
    private readonly kek: Buffer | undefined,
    /** How long a retired key's tokens can still be valid: its private key is kept that long. */
    private readonly retiredWindowMs: number,
  ) {}

  /** The ring of this configuration (the auth service and the keys command build it alike). */
  static forConfig(dataSource: DataSource, config: AppConfig): KeyRingStore {
    const { JWT_KEY_RING, JWT_TTL, JWT_LEEWAY } = config.env;
    return new KeyRingStore(
      dataSource,
      JWT_KEY_RING,
      config.keyEncryptionKey,
      retiredWindowMs(JWT_TTL, JWT_LEEWAY),
    );
  }

  async all(): Promise<KeyRecord[]> {
    const rows: KeyRow[] = await this.dataSource.query(`${SELECT} WHERE ring = $1`, [this.ring]);
    return rows.map(toRecord);
  }

  /**
   * Start-up: an empty ring starts from the configured key (`seed`) or a new key of `alg`. A ring
   * with keys is left as it is, with two exceptions: a missing next key is made (asymmetric
   * rings publish theirs ahead), and an HS256 ring whose secret was redeployed moves to the new
   * JWT_SECRET (the old one is in no process any more, so its key can sign nothing).
   */
  async ensure(
    alg: JwtAlgorithm,
    seed: SigningKey | undefined,
    now = new Date(),
  ): Promise<EnsureOutcome> {
    return this.locked(async (tx) => {
      const outcome: EnsureOutcome = {};
      let current = await this.inState(tx, 'current');
      if (!current) {
        const first = seed ?? this.generate(alg);
        await this.insertFresh(tx, first, 'current', now);
        outcome.change = { current: first.kid };
      } else if (current.alg === 'HS256' && seed?.alg === 'HS256' && current.kid !== seed.kid) {
        await this.retire(tx, current.kid, now);
        await this.insertFresh(tx, seed, 'current', now);
        outcome.change = { current: seed.kid, retired: current.kid };
      } else if (current.alg !== alg) {
        outcome.ringAlg = current.alg;
      }
      current = await this.inState(tx, 'current');
      if (current && current.alg !== 'HS256' && !(await this.inState(tx, 'next'))) {
        await this.insertFresh(tx, this.generate(current.alg), 'next', now);
      }
      return outcome;
    });
  }

  /**
   * Publishes a next key of `alg` ahead of a rotation to that algorithm (a migration), replacing
   * a next key of another algorithm, which never signed.
   */
  async stageNext(alg: JwtAlgorithm, now = new Date()): Promise<string | undefined> {
    return this.locked(async (tx) => {
      const next = await this.inState(tx, 'next');
      if (next?.alg === alg) return undefined;
      if (next) await this.remove(tx, next.kid);
      const key = this.generate(alg);
      await this.insertFresh(tx, key, 'next', now);
      return key.kid;
    });
  }

  /**
   * Rotation: next becomes current, current is retired, a new next is made. `alg` defaults to the
   * current key's algorithm. With `ifOlderThanMs`, only rotates when the current key has signed
   * for at least that long (the schedule).
   */
  async rotate(
    options: { alg?: JwtAlgorithm; ifOlderThanMs?: number; now?: Date } = {},
  ): Promise<RingChange | undefined> {
    const now = options.now ?? new Date();
    return this.locked(async (tx) => {
      const current = await this.inState(tx, 'current');
      const since = current?.activatedAt ?? current?.createdAt;
      if (options.ifOlderThanMs !== undefined && since) {
        if (now.getTime() - since.getTime() < options.ifOlderThanMs) return undefined;
      }
      const alg = options.alg ?? current?.alg;
      if (!alg) throw new KeyRingError('the ring is empty: start the auth service first');
      if (current) await this.retire(tx, current.kid, now);
      const promoted = await this.promoteNext(tx, alg, now);
      await this.prune(tx, now);
      return { ...promoted, ...(current ? { retired: current.kid } : {}) };
    });
  }

  /**
   * Emergency revocation: the key is refused from now on and its private key destroyed. Revoking
   * the current key promotes the next one at once (a new key if there is none), so signing never
   * stops. `alg` (default: the revoked key's) is the algorithm of any key made here.
   */
  async revoke(kid: string, options: { alg?: JwtAlgorithm; now?: Date } = {}): Promise<RingChange> {
    const now = options.now ?? new Date();
    return this.locked(async (tx) => {
      const rows: KeyRow[] = await tx.query(`${SELECT} WHERE ring = $1 AND kid = $2`, [
        this.ring,
        kid,
      ]);
      const target = rows[0] ? toRecord(rows[0]) : undefined;
      if (!target) throw new KeyRingError(`no key with kid ${kid}`);
      const alg = options.alg ?? target.alg;
      if (target.state === 'current' || target.state === 'next') assertCanMake(alg, kid);
      await tx.query(
        `UPDATE signing_keys SET state = 'revoked', revoked_at = $3, sealed_private_key = NULL
         WHERE ring = $1 AND kid = $2`,
        [this.ring, kid, now],
      );
      if (target.state === 'current') {
        return { ...(await this.promoteNext(tx, alg, now)), revoked: kid };
      }
      const current = await this.inState(tx, 'current');
      if (target.state === 'next') {
        const next = this.generate(alg);
        await this.insertFresh(tx, next, 'next', now);
        return { current: current?.kid ?? '', next: next.kid, revoked: kid };
      }
      return { current: current?.kid ?? '', revoked: kid };
    });
  }

  private async promoteNext(tx: EntityManager, alg: JwtAlgorithm, now: Date): Promise<RingChange> {
    if (alg === 'HS256') {
      throw new KeyRingError(
        'an HS256 key is JWT_SECRET itself and cannot be made here: deploy a new JWT_SECRET, or ' +
          'rotate to an asymmetric algorithm with --alg EdDSA (docs/keys.md)',
      );
    }
    const next = await this.inState(tx, 'next');
    let promoted: string;
    if (next && next.alg === alg) {
      await tx.query(
        `UPDATE signing_keys SET state = 'current', activated_at = $3 WHERE ring = $1 AND kid = $2`,
        [this.ring, next.kid, now],
      );
      promoted = next.kid;
    } else {
      // No published key of this algorithm: the new one signs at once. The keys command stages a
      // next key first, so this happens only in an emergency.
      if (next) await this.remove(tx, next.kid);
      const key = this.generate(alg);
      await this.insertFresh(tx, key, 'current', now);
      promoted = key.kid;
    }
    const upcoming = this.generate(alg);
    await this.insertFresh(tx, upcoming, 'next', now);
    return { current: promoted, next: upcoming.kid };
  }

  // Key destruction: a retired key's private half is dropped once no token it signed can be
  // valid, and the row itself a week later. Revoked rows stay, as the record of what was revoked.
  private async prune(tx: EntityManager, now: Date): Promise<void> {
    const windowEnd = new Date(now.getTime() - this.retiredWindowMs);
    await tx.query(
      `UPDATE signing_keys SET sealed_private_key = NULL
       WHERE ring = $1 AND state = 'retired' AND retired_at < $2`,
      [this.ring, windowEnd],
    );
    await tx.query(
      `DELETE FROM signing_keys WHERE ring = $1 AND state = 'retired' AND retired_at < $2`,
      [this.ring, new Date(windowEnd.getTime() - RETIRED_KEPT_MS)],
    );
  }

  private generate(alg: JwtAlgorithm): SigningKey {
    if (alg === 'HS256') {
      throw new KeyRingError('JWT_SECRET is required to start an HS256 key ring');
    }
    return generateSigningKey(alg);
  }

  /** Adds a key the ring has never held; a kid it held before (even revoked) is refused. */
  private async insertFresh(
    tx: EntityManager,
    key: SigningKey,
    state: KeyState,
    now: Date,
  ): Promise<void> {
    let sealed: string | null = null;
    if (key.alg !== 'HS256') {
      if (!this.kek) {
        throw new KeyRingError('JWT_KEY_ENCRYPTION_KEY is required to store a private key');
      }
      sealed = sealKey(key.key, this.kek, key.kid);
    }
    const inserted: unknown[] = await tx.query(
      `INSERT INTO signing_keys
         (ring, kid, alg, state, sealed_private_key, public_jwk, created_at, activated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (ring, kid) DO NOTHING
       RETURNING kid`,
      [
        this.ring,
        key.kid,
        key.alg,
        state,
        sealed,
        key.publicJwk ? JSON.stringify(key.publicJwk) : null,
        now,
        state === 'current' ? now : null,
      ],
    );
    if (inserted.length === 0) {
      throw new KeyRingError(
        `key ${key.kid} was in this ring before (retired or revoked) and cannot come back: ` +
          'deploy a new JWT_SECRET (docs/keys.md)',
      );
    }
  }

  private async retire(tx: EntityManager, kid: string, now: Date): Promise<void> {
    await tx.query(
      `UPDATE signing_keys SET state = 'retired', retired_at = $3 WHERE ring = $1 AND kid = $2`,
      [this.ring, kid, now],
    );
  }

  private async remove(tx: EntityManager, kid: string): Promise<void> {
    await tx.query(`DELETE FROM signing_keys WHERE ring = $1 AND kid = $2`, [this.ring, kid]);
  }

  private async inState(
    tx: EntityManager,
    state: 'next' | 'current',
  ): Promise<KeyRecord | undefined> {
    const rows: KeyRow[] = await tx.query(`${SELECT} WHERE ring = $1 AND state = $2`, [
      this.ring,
      state,
    ]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  private locked<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (tx) => {
      await tx.query(LOCK, [this.ring]);
      return work(tx);
    });
  }
}

function assertCanMake(alg: JwtAlgorithm, revoking: string): void {
  if (alg === 'HS256') {
    throw new KeyRingError(
      `revoking ${revoking} needs a replacement key, and an HS256 key is JWT_SECRET itself: ` +
        'give --alg EdDSA (or ES256, RS256), or deploy a new JWT_SECRET (docs/keys.md)',
    );
  }
}
