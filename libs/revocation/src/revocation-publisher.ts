import { Inject, Injectable } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { AppConfig } from '@authfarm/config';
import { KEYS_CHANGED, type KeysChangedEvent } from './keys-changed.event.js';
import { RevocationStore } from './revocation-store.js';
import { SESSION_ENDED, type SessionEndedEvent } from './session-ended.event.js';

export const REVOCATION_CLIENT = 'REVOCATION_CLIENT';

/**
 * Announces ended sessions (auth service only): written to the durable list first, then pushed
 * to every replica. Durable-then-push means a replica that misses the push finds the entry when
 * it reloads.
 */
@Injectable()
export class RevocationPublisher {
  private readonly prefix: string;
  private readonly maxTokenLifeMs: number;

  constructor(
    config: AppConfig,
    private readonly store: RevocationStore,
    @Inject(REVOCATION_CLIENT) private readonly client: ClientProxy,
  ) {
    this.prefix = config.env.REDIS_KEY_PREFIX;
    this.maxTokenLifeMs = (config.env.JWT_TTL + config.env.JWT_LEEWAY) * 1000;
  }

  async sessionsEnded(
    userId: string,
    sids: string[],
    reason: SessionEndedEvent['reason'],
    options: { allTokensOfUser?: boolean } = {},
  ): Promise<void> {
    const now = Date.now();
    const event: SessionEndedEvent = {
      prefix: this.prefix,
      userId,
      sids,
      expiresAt: now + this.maxTokenLifeMs,
      reason,
      ...(options.allTokensOfUser ? { notBefore: Math.floor(now / 1000) * 1000 } : {}),
    };
    await this.store.record(event, now);
    await lastValueFrom(this.client.emit(SESSION_ENDED, event), { defaultValue: undefined });
  }

  /** Announces a key ring change; revoked kids go to the durable list first, as sessions do. */
  async keysChanged(reason: KeysChangedEvent['reason'], revokedKids: string[] = []): Promise<void> {
    await this.store.recordRevokedKids(revokedKids);
    const event: KeysChangedEvent = { prefix: this.prefix, reason, revokedKids };
    await lastValueFrom(this.client.emit(KEYS_CHANGED, event), { defaultValue: undefined });
  }
}
