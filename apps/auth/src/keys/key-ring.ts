import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig, type JwtAlgorithm } from '@authfarm/config';
import {
  loadSigningKey,
  openKey,
  publicJwk,
  secretKid,
  verificationKeyFromJwk,
  type PublicJwk,
  type SigningKey,
  type VerificationKey,
} from '@authfarm/keys';
import { AppError } from '@authfarm/platform';
import { RevocationPublisher, RevocationState } from '@authfarm/revocation';
import type { KeyRecord } from './key-record.js';
import { KeyRingStore, RING_RELOAD_INTERVAL_MS, retiredWindowMs } from './key-ring.store.js';

interface RingView {
  signing: SigningKey | undefined;
  verification: VerificationKey[];
  published: PublicJwk[];
}

/** An asymmetric key as opened from its sealed row: everything derived from the private key. */
interface OpenedKey {
  signing: SigningKey;
  verification: VerificationKey;
  jwk: PublicJwk;
}

/**
 * The auth service's signing keys (docs/keys.md): `next` (published, not yet signing),
 * `current` (signing) and `retired` (published until the last token it signed has expired).
 * The ring lives in Postgres, shared by every auth replica; this class keeps a view of it,
 * reloaded on every pushed change and on a timer, and rotates it on JWT_ROTATION_INTERVAL.
 */
@Injectable()
export class KeyRing implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(KeyRing.name);
  private readonly store: KeyRingStore;
  private readonly retiredWindowMs: number;
  private view: RingView = { signing: undefined, verification: [], published: [] };
  private inflight: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private loadedAt = 0;
  // Public keys are derived from the sealed private key, never read from the row: a row written
  // by someone without the key-encryption key cannot put a key of theirs into the JWKS.
  private readonly opened = new Map<string, OpenedKey | undefined>();
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly config: AppConfig,
    dataSource: DataSource,
    private readonly revocations: RevocationState,
    private readonly publisher: RevocationPublisher,
  ) {
    this.retiredWindowMs = retiredWindowMs(config.env.JWT_TTL, config.env.JWT_LEEWAY);
    this.store = KeyRingStore.forConfig(dataSource, config);
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
    const outcome = await this.store.ensure(JWT_ALG, seed);
    if (outcome.ringAlg) {
      this.logger.warn(
        `the key ring signs with ${outcome.ringAlg} while JWT_ALG=${JWT_ALG}: the ring decides; ` +
          `move it with \`npm run keys -- rotate --alg ${JWT_ALG}\` (docs/keys.md)`,
      );
    }
    if (outcome.change?.retired) await this.publisher.keysChanged('rotated');
    await this.reload();
    if (!this.view.signing) {
      throw new Error(
        'the key ring has no usable signing key: its keys do not open with ' +
          'JWT_KEY_ENCRYPTION_KEY(_FILE), or JWT_SECRET does not match (docs/keys.md)',
      );
    }
    this.unsubscribe = this.revocations.onKeysChanged(() => void this.reload());
    this.every(RING_RELOAD_INTERVAL_MS, () => this.reload());
    if (JWT_ROTATION_INTERVAL > 0) {
      const periodMs = Math.min(60_000, Math.max(1000, (JWT_ROTATION_INTERVAL * 1000) / 10));
      this.every(periodMs, () => this.rotateIfDue(JWT_ROTATION_INTERVAL * 1000));
    }
  }

  onModuleDestroy(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.unsubscribe?.();
  }

  /** The key new tokens are signed with. Never a revoked one, even before the ring is reread. */
  signingKey(): SigningKey {
    if (!this.config.tokensEnabled) throw new AppError('MODE_NOT_ENABLED');
    const signing = this.view.signing;
    if (!signing) throw new AppError('KEYS_UNAVAILABLE', 'no usable current key');
    if (this.revocations.isKidRevoked(signing.kid)) {
      void this.reload();
      throw new AppError('KEYS_UNAVAILABLE', 'the current key was revoked; rereading the ring');
    }
    return signing;
  }

  /** True when new tokens can be signed (readiness). */
  get canSign(): boolean {
    return !this.config.tokensEnabled || this.view.signing !== undefined;
  }

  /** Keys whose tokens this service accepts: next, current, and retired ones still in use. */
  verificationKeys(): VerificationKey[] {
    return this.view.verification.filter((key) => !this.revocations.isKidRevoked(key.kid));
  }

  /** The JWKS members: public keys only, never an HS256 secret, never a revoked key. */
  publishedKeys(): PublicJwk[] {
    return this.view.published.filter((jwk) => !this.revocations.isKidRevoked(jwk.kid));
  }

  /** Rereads the ring unless the view is at most `ms` old. */
  async reloadIfOlderThan(ms: number): Promise<void> {
    if (Date.now() - this.loadedAt > ms) await this.reload();
  }

  /**
   * Joins the read already running (a pushed change starts one), or rereads the ring. Cheaper
   * than `reload()` for a second listener of the same push; a read that started just before a
   * change is caught by that listener's own second pass.
   */
  refresh(): Promise<void> {
    return this.inflight ?? this.reload();
  }

  /**
   * Rereads the ring. A call while a read is running gets a read that starts after it, so a
   * caller never settles for a view older than its call. Keeps the last view on failure.
   */
  reload(): Promise<void> {
    if (this.inflight) {
      this.queued ??= this.inflight.then(() => {
        this.queued = undefined;
        return this.reload();
      });
      return this.queued;
    }
    const started = Date.now();
    this.inflight = this.store
      .all()
      .then((records) => {
        this.view = this.viewOf(records, Date.now());
        this.loadedAt = started;
        return this.announceRevoked(records);
      })
      .catch((error: unknown) => {
        this.loadedAt = started; // back off: a database outage must not turn into a read storm
        this.logger.warn(`key ring reload failed: ${(error as Error).message}`);
      })
      .finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async rotateIfDue(intervalMs: number): Promise<void> {
    const change = await this.store.rotate({ ifOlderThanMs: intervalMs });
    if (!change) return;
    this.logger.log(
      `scheduled rotation: ${change.current} signs, ${change.retired ?? '-'} retired`,
    );
    await this.publisher.keysChanged('rotated');
    await this.reload();
  }

  // Repairs a revocation whose push was lost (the command committed it, then could not reach
  // Redis): every revoked row of the ring ends up in the durable list and is pushed.
  private async announceRevoked(records: KeyRecord[]): Promise<void> {
    const missing = records
      .filter((r) => r.state === 'revoked' && !this.revocations.isKidRevoked(r.kid))
      .map((r) => r.kid);
    if (missing.length === 0) return;
    await this.publisher.keysChanged('revoked', missing).catch((error: unknown) => {
      this.logger.warn(`could not announce revoked keys: ${(error as Error).message}`);
    });
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
        if (record.state === 'current') {
          view.signing = { kid: record.kid, alg: 'HS256', key: secret };
        }
        continue;
      }
      const opened = this.open(record);
      if (!opened) continue;
      view.verification.push(opened.verification);
      view.published.push(opened.jwk);
      if (record.state === 'current') view.signing = opened.signing;
    }
    return view;
  }

  private inUse(record: KeyRecord, now: number): boolean {
    if (record.state === 'next' || record.state === 'current') return true;
    if (record.state !== 'retired' || !record.retiredAt) return false;
    return record.retiredAt.getTime() + this.retiredWindowMs > now;
  }

  private open(record: KeyRecord): OpenedKey | undefined {
    if (this.opened.has(record.kid)) return this.opened.get(record.kid);
    let opened: OpenedKey | undefined;
    const kek = this.config.keyEncryptionKey;
    try {
      if (!kek || !record.sealedPrivateKey) throw new Error('no sealed key');
      opened = derive(openKey(record.sealedPrivateKey, kek, record.kid), record.alg, record.kid);
    } catch {
      this.logger.error(`signing key ${record.kid} does not open with JWT_KEY_ENCRYPTION_KEY`);
    }
    this.opened.set(record.kid, opened);
    return opened;
  }

  private every(ms: number, task: () => Promise<void>): void {
    const timer = setInterval(() => {
      task().catch((error: unknown) => this.logger.warn(`key ring: ${(error as Error).message}`));
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }
}

function derive(pem: string, alg: JwtAlgorithm, kid: string): OpenedKey {
  if (alg === 'HS256') throw new Error('not an asymmetric key');
  const jwk = publicJwk(createPublicKey(createPrivateKey(pem)), alg);
  // The kid is the RFC 7638 thumbprint of the key: a row naming another key's kid is refused.
  if (jwk.kid !== kid) throw new Error('kid does not match the key');
  const verification = verificationKeyFromJwk(jwk);
  if (!verification) throw new Error('unusable public key');
  return { signing: { kid, alg, key: pem, publicJwk: jwk }, verification, jwk };
}
