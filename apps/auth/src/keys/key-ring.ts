import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '@authfarm/config';
import {
  loadSigningKey,
  openKey,
  secretKid,
  verificationKeyFromJwk,
  type PublicJwk,
  type SigningKey,
  type VerificationKey,
} from '@authfarm/keys';
import { AppError } from '@authfarm/platform';
import { RevocationPublisher, RevocationState } from '@authfarm/revocation';
import { KeyRingStore, type KeyRecord } from './key-ring.store.js';

/** How often each auth process rereads the ring: the safety net under the pushed changes. */
const RELOAD_INTERVAL_MS = 30_000;

interface RingView {
  signing: SigningKey | undefined;
  verification: VerificationKey[];
  published: PublicJwk[];
}

/**
 * The auth service's signing keys (docs/keys.md): `next` (published, not yet signing),
 * `current` (signing) and `retired` (published until the last token it signed has expired).
 * The ring lives in Postgres, shared by every auth replica; this class keeps a view of it,
 * reloaded on every pushed change, on a timer, and rotated on the schedule JWT_ROTATION_INTERVAL.
 */
@Injectable()
export class KeyRing implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(KeyRing.name);
  private readonly store: KeyRingStore;
  private readonly maxTokenLifeMs: number;
  private view: RingView = { signing: undefined, verification: [], published: [] };
  private inflight: Promise<void> | undefined;
  private loadedAt = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly config: AppConfig,
    dataSource: DataSource,
    private readonly revocations: RevocationState,
    private readonly publisher: RevocationPublisher,
  ) {
    this.store = new KeyRingStore(dataSource, config.env.JWT_KEY_RING, config.keyEncryptionKey);
    this.maxTokenLifeMs = (config.env.JWT_TTL + config.env.JWT_LEEWAY) * 1000;
  }

  async onModuleInit(): Promise<void> {
    if (!this.config.tokensEnabled) return;
    const { JWT_ALG, JWT_SECRET, JWT_ROTATION_INTERVAL } = this.config.env;
    const seed =
      JWT_ALG === 'HS256' || this.config.jwtPrivateKeyPem
        ? loadSigningKey(JWT_ALG, {
            secret: JWT_SECRET,
            privateKeyPem: this.config.jwtPrivateKeyPem,
          })
        : undefined;
    const change = await this.store.ensure(JWT_ALG, seed);
    if (change?.retired) {
      this.logger.log(
        `key ring moved to ${JWT_ALG}: ${change.current} signs, ${change.retired} retired`,
      );
      await this.publisher.keysChanged('rotated');
    }
    await this.reload();
    this.unsubscribe = this.revocations.onKeysChanged(() => void this.reload());
    this.every(RELOAD_INTERVAL_MS, () => this.reload());
    if (JWT_ROTATION_INTERVAL > 0 && JWT_ALG !== 'HS256') {
      const periodMs = Math.min(60_000, Math.max(1000, (JWT_ROTATION_INTERVAL * 1000) / 10));
      this.every(periodMs, () => this.rotateIfDue(JWT_ROTATION_INTERVAL * 1000));
    }
  }

  onModuleDestroy(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.unsubscribe?.();
  }

  /** The key new tokens are signed with. */
  signingKey(): SigningKey {
    if (!this.config.tokensEnabled) throw new AppError('MODE_NOT_ENABLED');
    if (!this.view.signing) throw new AppError('KEYS_UNAVAILABLE', 'no usable current key');
    return this.view.signing;
  }

  /** Keys whose tokens this service accepts: next, current, and retired ones still in use. */
  verificationKeys(): VerificationKey[] {
    return this.view.verification;
  }

  /** The JWKS members: public keys only, never an HS256 secret. */
  publishedKeys(): PublicJwk[] {
    return this.view.published;
  }

  /** Rereads the ring unless the view is at most `ms` old. */
  async reloadIfOlderThan(ms: number): Promise<void> {
    if (Date.now() - this.loadedAt > ms) await this.reload();
  }

  /** Rereads the ring (concurrent callers share one read). Keeps the last view on failure. */
  reload(): Promise<void> {
    const started = Date.now();
    this.inflight ??= this.store
      .all()
      .then((records) => {
        this.view = this.viewOf(records, Date.now());
        this.loadedAt = started;
      })
      .catch((error: unknown) => {
        this.logger.warn(`key ring reload failed: ${(error as Error).message}`);
      })
      .finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async rotateIfDue(intervalMs: number): Promise<void> {
    const change = await this.store.rotate(this.config.env.JWT_ALG, { ifOlderThanMs: intervalMs });
    if (!change) return;
    this.logger.log(
      `scheduled rotation: ${change.current} signs, ${change.retired ?? '-'} retired`,
    );
    await this.publisher.keysChanged('rotated');
    await this.reload();
  }

  private viewOf(records: KeyRecord[], now: number): RingView {
    const view: RingView = { signing: undefined, verification: [], published: [] };
    const secret = this.config.env.JWT_SECRET;
    for (const record of records) {
      if (!this.inUse(record, now)) continue;
      if (record.alg === 'HS256') {
        // The secret is JWT_SECRET itself; a row of an older secret can no longer be used.
        if (!secret || secretKid(secret) !== record.kid) continue;
        view.verification.push({ kid: record.kid, alg: 'HS256', key: secret });
        if (record.state === 'current')
          view.signing = { kid: record.kid, alg: 'HS256', key: secret };
        continue;
      }
      const verification = record.publicJwk && verificationKeyFromJwk(record.publicJwk);
      if (!record.publicJwk || !verification) continue;
      view.verification.push(verification);
      view.published.push(record.publicJwk);
      if (record.state === 'current') view.signing = this.open(record);
    }
    return view;
  }

  private inUse(record: KeyRecord, now: number): boolean {
    if (record.state === 'next' || record.state === 'current') return true;
    return (
      record.state === 'retired' &&
      !!record.retiredAt &&
      record.retiredAt.getTime() + this.maxTokenLifeMs > now
    );
  }

  private open(record: KeyRecord): SigningKey | undefined {
    const kek = this.config.keyEncryptionKey;
    if (!kek || !record.sealedPrivateKey) return undefined;
    try {
      const key = openKey(record.sealedPrivateKey, kek, record.kid);
      return { kid: record.kid, alg: record.alg, key, publicJwk: record.publicJwk ?? undefined };
    } catch {
      this.logger.error(`signing key ${record.kid} does not open with JWT_KEY_ENCRYPTION_KEY`);
      return undefined;
    }
  }

  private every(ms: number, task: () => Promise<void>): void {
    const timer = setInterval(() => {
      task().catch((error: unknown) => this.logger.warn(`key ring: ${(error as Error).message}`));
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }
}
