import type { DataSource, EntityManager } from 'typeorm';
import type { JwtAlgorithm } from '@authfarm/config';
import { generateSigningKey, sealKey, type PublicJwk, type SigningKey } from '@authfarm/keys';

export type KeyState = 'next' | 'current' | 'retired' | 'revoked';

/** One row of the ring. HS256 rows hold no material: their secret is JWT_SECRET itself. */
export interface KeyRecord {
  kid: string;
  alg: JwtAlgorithm;
  state: KeyState;
  sealedPrivateKey: string | null;
  publicJwk: PublicJwk | null;
  createdAt: Date;
  activatedAt: Date | null;
  retiredAt: Date | null;
  revokedAt: Date | null;
}

export interface RingChange {
  /** The key that now signs. */
  current: string;
  next?: string;
  retired?: string;
  revoked?: string;
}

/** A request the ring refuses; the message is for the operator (the keys command prints it). */
export class KeyRingError extends Error {
  override readonly name = 'KeyRingError';
}

// Every change of the ring runs under one transaction-scoped lock, so auth replicas rotating on
// the same schedule and an operator's command never both promote a key.
const LOCK = `SELECT pg_advisory_xact_lock(hashtext('authfarm.signing_keys:' || $1))`;

/** The key ring's queries. Rules about when to rotate live in `KeyRing`; this only changes rows. */
export class KeyRingStore {
  constructor(
    private readonly dataSource: DataSource,
    /** Which ring (JWT_KEY_RING): farms sharing one database each keep their own. */
    private readonly ring: string,
    /** Seals private keys at rest; without it only HS256 (config secret) keys can be added. */
    private readonly kek: Buffer | undefined,
  ) {}

  async all(): Promise<KeyRecord[]> {
    const rows: KeyRow[] = await this.dataSource.query(
      `SELECT * FROM signing_keys WHERE ring = $1`,
      [this.ring],
    );
    return rows.map(toRecord);
  }

  /**
   * Brings the ring in line with the configuration at start-up. An empty ring starts from the
   * configured key (`seed`) or a new one. JWT_ALG is the algorithm of new tokens: when the
   * current key has another (an algorithm migration, docs/keys.md) or, for HS256, when
   * JWT_SECRET changed, the ring rotates to it; the old key is retired, so its tokens still
   * verify until they expire. Asymmetric rings always have a next key, published ahead.
   */
  async ensure(
    alg: JwtAlgorithm,
    seed: SigningKey | undefined,
    now = new Date(),
  ): Promise<RingChange | undefined> {
    return this.locked(async (tx) => {
      let change: RingChange | undefined;
      const current = await this.inState(tx, 'current');
      if (!current) {
        const first = seed ?? this.generate(alg);
        await this.insert(tx, first, 'current', now);
        change = { current: first.kid };
      } else if (current.alg !== alg || (seed?.alg === 'HS256' && current.kid !== seed.kid)) {
        await this.retire(tx, current.kid, now);
        change = { ...(await this.promoteNext(tx, alg, now, seed)), retired: current.kid };
      }
      const next = await this.inState(tx, 'next');
      if (next && next.alg !== alg)
        await tx.query(`DELETE FROM signing_keys WHERE ring = $1 AND kid = $2`, [
          this.ring,
          next.kid,
        ]);
      if (alg !== 'HS256' && (!next || next.alg !== alg)) {
        await this.insert(tx, this.generate(alg), 'next', now);
      }
      return change;
    });
  }

  /**
   * Rotation: next becomes current, current is retired, a new next is made. A next of another
   * algorithm than `alg` (an algorithm migration) is dropped unused. With `ifOlderThanMs`, only
   * rotates when the current key has signed for at least that long (the schedule).
   */
  async rotate(
    alg: JwtAlgorithm,
    options: { ifOlderThanMs?: number; now?: Date } = {},
  ): Promise<RingChange | undefined> {
    const now = options.now ?? new Date();
    return this.locked(async (tx) => {
      const current = await this.inState(tx, 'current');
      const since = current?.activatedAt ?? current?.createdAt;
      if (options.ifOlderThanMs !== undefined && since) {
        if (now.getTime() - since.getTime() < options.ifOlderThanMs) return undefined;
      }
      if (current) await this.retire(tx, current.kid, now);
      const promoted = await this.promoteNext(tx, alg, now);
      return { ...promoted, ...(current ? { retired: current.kid } : {}) };
    });
  }

  /**
   * Emergency revocation: the key is refused from now on. Revoking the current key promotes the
   * next one at once (a new key of `alg` if there is none), so signing never stops.
   */
  async revoke(kid: string, alg: JwtAlgorithm, now = new Date()): Promise<RingChange> {
    return this.locked(async (tx) => {
      const rows: KeyRow[] = await tx.query(
        `SELECT * FROM signing_keys WHERE ring = $1 AND kid = $2`,
        [this.ring, kid],
      );
      const target = rows[0] ? toRecord(rows[0]) : undefined;
      if (!target) throw new KeyRingError(`no key with kid ${kid}`);
      await tx.query(
        `UPDATE signing_keys SET state = 'revoked', revoked_at = $3 WHERE ring = $1 AND kid = $2 AND state <> 'revoked'`,
        [this.ring, kid, now],
      );
      if (target.state === 'current')
        return { ...(await this.promoteNext(tx, alg, now)), revoked: kid };
      if (target.state === 'next' && alg !== 'HS256') {
        const next = this.generate(alg);
        await this.insert(tx, next, 'next', now);
        const current = await this.inState(tx, 'current');
        return { current: current?.kid ?? '', next: next.kid, revoked: kid };
      }
      const current = await this.inState(tx, 'current');
      return { current: current?.kid ?? '', revoked: kid };
    });
  }

  private async promoteNext(
    tx: EntityManager,
    alg: JwtAlgorithm,
    now: Date,
    seed?: SigningKey,
  ): Promise<RingChange> {
    if (alg === 'HS256' && seed?.alg === 'HS256') {
      const rows: KeyRow[] = await tx.query(
        `SELECT * FROM signing_keys WHERE ring = $1 AND kid = $2`,
        [this.ring, seed.kid],
      );
      if (rows[0]?.state === 'revoked') {
        throw new KeyRingError('JWT_SECRET was revoked: deploy a new secret (docs/keys.md)');
      }
      await this.insert(tx, seed, 'current', now);
      return { current: seed.kid };
    }
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
      if (next)
        await tx.query(`DELETE FROM signing_keys WHERE ring = $1 AND kid = $2`, [
          this.ring,
          next.kid,
        ]);
      const key = this.generate(alg);
      await this.insert(tx, key, 'current', now);
      promoted = key.kid;
    }
    const upcoming = this.generate(alg);
    await this.insert(tx, upcoming, 'next', now);
    return { current: promoted, next: upcoming.kid };
  }

  private generate(alg: JwtAlgorithm): SigningKey {
    if (alg === 'HS256') {
      throw new KeyRingError('JWT_SECRET is required to start an HS256 key ring');
    }
    return generateSigningKey(alg);
  }

  private async insert(
    tx: EntityManager,
    key: SigningKey,
    state: KeyState,
    now: Date,
  ): Promise<void> {
    let sealed: string | null = null;
    if (key.alg !== 'HS256') {
      if (!this.kek)
        throw new KeyRingError('JWT_KEY_ENCRYPTION_KEY is required to store a private key');
      sealed = sealKey(key.key, this.kek, key.kid);
    }
    await tx.query(
      `INSERT INTO signing_keys (ring, kid, alg, state, sealed_private_key, public_jwk, created_at, activated_at)
       VALUES ($8, $1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (ring, kid) DO UPDATE SET state = EXCLUDED.state, activated_at = EXCLUDED.activated_at,
         retired_at = NULL
       WHERE signing_keys.state <> 'revoked'`,
      [
        key.kid,
        key.alg,
        state,
        sealed,
        key.publicJwk ? JSON.stringify(key.publicJwk) : null,
        now,
        state === 'current' ? now : null,
        this.ring,
      ],
    );
  }

  private async retire(tx: EntityManager, kid: string, now: Date): Promise<void> {
    await tx.query(
      `UPDATE signing_keys SET state = 'retired', retired_at = $3 WHERE ring = $1 AND kid = $2`,
      [this.ring, kid, now],
    );
  }

  private async inState(
    tx: EntityManager,
    state: 'next' | 'current',
  ): Promise<KeyRecord | undefined> {
    const rows: KeyRow[] = await tx.query(
      `SELECT * FROM signing_keys WHERE ring = $1 AND state = $2`,
      [this.ring, state],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  private locked<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (tx) => {
      await tx.query(LOCK, [this.ring]);
      return work(tx);
    });
  }
}

interface KeyRow {
  kid: string;
  alg: JwtAlgorithm;
  state: KeyState;
  sealed_private_key: string | null;
  public_jwk: PublicJwk | null;
  created_at: Date;
  activated_at: Date | null;
  retired_at: Date | null;
  revoked_at: Date | null;
}

function toRecord(row: KeyRow): KeyRecord {
  return {
    kid: row.kid,
    alg: row.alg,
    state: row.state,
    sealedPrivateKey: row.sealed_private_key,
    publicJwk: row.public_jwk,
    createdAt: row.created_at,
    activatedAt: row.activated_at,
    retiredAt: row.retired_at,
    revokedAt: row.revoked_at,
  };
}
