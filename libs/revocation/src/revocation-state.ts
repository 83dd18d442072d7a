import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Observable, Subscription } from 'rxjs';
import { AppConfig } from '@authfarm/config';
import { Gauge } from 'prom-client';
import { AppError, Metrics } from '@authfarm/platform';
import { RevocationList } from './revocation-list.js';
import { RevocationStore } from './revocation-store.js';
import type { KeysChangedEvent } from './keys-changed.event.js';
import type { SessionEndedEvent } from './session-ended.event.js';

type ChannelStatus = 'connected' | 'disconnected' | 'reconnecting' | string;
export type SessionEndedListener = (event: SessionEndedEvent) => void;
export type KeysChangedListener = (event: KeysChangedEvent) => void;

/**
 * What one process knows about ended sessions: the in-memory list fed by pushed events, whether
 * that feed is live, and the policy for when it is not. A replica that starts or whose channel
 * comes back reloads the durable list before it counts as fresh again, so no revocation is lost.
 */
@Injectable()
export class RevocationState implements OnModuleDestroy {
  private readonly logger = new Logger(RevocationState.name);
  private readonly list = new RevocationList();
  private readonly listeners = new Set<SessionEndedListener>();
  private readonly keyListeners = new Set<KeysChangedListener>();
  /** Signing keys revoked in an emergency: refused in every mode, whatever the channel state. */
  private readonly revokedKids = new Set<string>();
  private readonly prefix: string;
  private readonly failOpen: boolean;
  private readonly maxStalenessMs: number;
  /** When the feed stopped being trustworthy; undefined while it is. Starts stale until loaded. */
  private staleSince: number | undefined = Date.now();
  private loaded = false;
  private kidsLoaded = false;
  private connected = false;
  private readonly pruneTimer: NodeJS.Timeout;
  private readonly kidsTimer: NodeJS.Timeout;
  private subscription: Subscription | undefined;

  constructor(
    config: AppConfig,
    private readonly store: RevocationStore,
    metrics: Metrics,
  ) {
    this.prefix = config.env.REDIS_KEY_PREFIX;
    this.failOpen = config.env.HYBRID_CHANNEL_POLICY === 'fail-open';
    this.maxStalenessMs = config.env.HYBRID_MAX_STALENESS_MS;
    this.pruneTimer = setInterval(() => this.list.prune(Date.now()), 5000);
    this.pruneTimer.unref();
    // Revoked kids are reread on a timer too: a push lost on a live connection is not noticed.
    this.kidsTimer = setInterval(
      () => void this.reloadRevokedKids().catch(() => undefined),
      30_000,
    );
    this.kidsTimer.unref();
    const staleness: Gauge = new Gauge({
      name: 'authfarm_revocation_staleness_seconds',
      help: 'Seconds since the pushed revocation feed was last known complete (0 while live)',
      registers: [metrics.registry],
      collect: (): void => staleness.set(this.stalenessMs / 1000),
    });
    const entries: Gauge = new Gauge({
      name: 'authfarm_revocation_entries',
      help: 'Revoked sessions and per-user not-before entries held in memory',
      registers: [metrics.registry],
      collect: (): void => entries.set(this.size),
    });
  }

  /** Follows the status of the event channel (a Nest microservice server). */
  watch(status: Observable<ChannelStatus>): void {
    this.subscription = status.subscribe((next) => {
      this.connected = next === 'connected';
      if (this.connected) void this.resync();
      else this.staleSince ??= Date.now();
    });
  }

  /** Applies a pushed event and tells the local listeners (live connections to close). */
  receive(event: SessionEndedEvent): void {
    if (event.prefix !== this.prefix) return;
    this.list.apply(event);
    for (const listener of this.listeners) listener(event);
  }

  /** Applies a key ring change: revoked kids are refused from now on; listeners refetch keys. */
  receiveKeys(event: KeysChangedEvent): void {
    if (event?.prefix !== this.prefix || !isKidList(event.revokedKids)) return;
    for (const kid of event.revokedKids) this.revokedKids.add(kid);
    for (const listener of this.keyListeners) listener(event);
  }

  onKeysChanged(listener: KeysChangedListener): () => void {
    this.keyListeners.add(listener);
    return () => this.keyListeners.delete(listener);
  }

  isKidRevoked(kid: string): boolean {
    return this.revokedKids.has(kid);
  }

  /** True once the durable list of revoked kids has been read. */
  get revokedKidsLoaded(): boolean {
    return this.kidsLoaded;
  }

  onSessionEnded(listener: SessionEndedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Throws for a revoked hybrid token, and applies the channel policy while the feed is stale:
   * fail closed (503), or accept up to HYBRID_MAX_STALENESS_MS of staleness.
   */
  assertLive(sid: string, userId: string, issuedAtSeconds: number): boolean {
    if (this.staleSince !== undefined) {
      const staleness = Date.now() - this.staleSince;
      if (!this.failOpen || staleness > this.maxStalenessMs) {
        throw new AppError('REVOCATIONS_UNAVAILABLE', `revocation feed stale for ${staleness} ms`);
      }
    }
    return !this.list.isRevoked(sid, userId, issuedAtSeconds);
  }

  /** Milliseconds since the feed was last known complete; 0 while it is. */
  get stalenessMs(): number {
    return this.staleSince === undefined ? 0 : Date.now() - this.staleSince;
  }

  get ready(): boolean {
    return this.loaded && this.staleSince === undefined;
  }

  get size(): number {
    return this.list.size;
  }

  onModuleDestroy(): void {
    clearInterval(this.pruneTimer);
    clearInterval(this.kidsTimer);
    this.subscription?.unsubscribe();
  }

  // Reload the durable list. A second pass a moment later closes the window in which the
  // subscription was being restored while the first read ran.
  private async resync(): Promise<void> {
    try {
      await this.reload();
      if (!this.connected) return; // lost again meanwhile: the next 'connected' resyncs
      this.staleSince = undefined;
      this.loaded = true;
      setTimeout(() => void this.reload().catch(() => undefined), 1000).unref();
    } catch (error) {
      this.logger.warn(`revocation reload failed: ${(error as Error).message}`);
      if (this.connected) setTimeout(() => void this.resync(), 500).unref();
    }
  }

  private async reload(): Promise<void> {
    const [entries] = await Promise.all([this.store.loadActive(), this.reloadRevokedKids()]);
    for (const entry of entries) this.list.apply(entry);
  }

  private async reloadRevokedKids(): Promise<void> {
    const kids = await this.store.loadRevokedKids();
    this.kidsLoaded = true;
    const missed = kids.filter((kid) => !this.revokedKids.has(kid));
    if (missed.length > 0) {
      this.receiveKeys({ prefix: this.prefix, reason: 'revoked', revokedKids: missed });
    }
  }
}

// Events arrive from Redis: a malformed one is dropped, not half-applied.
function isKidList(value: unknown): value is string[] {
  return (
    Array.isArray(value) &&
    value.length <= 1000 &&
    value.every((kid) => typeof kid === 'string' && kid.length > 0 && kid.length <= 256)
  );
}
