import type { ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';
import { SESSION_VALIDATE } from '@authfarm/credentials';
import { AppError } from '@authfarm/platform';
import { SessionStore, type SessionRecord, type StoredSession } from '@authfarm/session-store';

interface Answer {
  active: boolean;
  sub?: string;
  username?: string;
  exp?: number;
  iat?: number;
}

/**
 * Session checks through the auth service (SESSION_CHECK=introspection): one request over the
 * microservice TCP channel instead of one store read. Replicas only read sessions, so the write
 * operations are not available here.
 */
export class IntrospectionSessionStore extends SessionStore {
  readonly kind = 'introspection' as const;

  constructor(
    private readonly client: ClientProxy,
    private readonly timeoutMs: number,
  ) {
    super();
  }

  async touch(id: string, now: number): Promise<SessionRecord | undefined> {
    let answer: Answer;
    try {
      answer = await firstValueFrom(
        this.client.send<Answer>(SESSION_VALIDATE, { id }).pipe(timeout(this.timeoutMs)),
      );
    } catch (error) {
      throw new AppError('SESSION_STORE_UNAVAILABLE', `introspection: ${(error as Error).message}`);
    }
    if (!answer.active || !answer.sub) return undefined;
    return {
      userId: answer.sub,
      username: answer.username ?? '',
      createdAt: (answer.iat ?? 0) * 1000,
      lastSeenAt: now,
      absoluteExpiresAt: (answer.exp ?? 0) * 1000,
      userAgent: '',
    };
  }

  async ping(): Promise<boolean> {
    return firstValueFrom(
      this.client.send<Answer>(SESSION_VALIDATE, { id: 'ping' }).pipe(timeout(this.timeoutMs)),
    ).then(
      () => true,
      () => false,
    );
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  create(): Promise<void> {
    return unsupported();
  }

  delete(): Promise<boolean> {
    return unsupported();
  }

  listForUser(): Promise<StoredSession[]> {
    return unsupported();
  }

  deleteAllForUser(): Promise<number> {
    return unsupported();
  }
}

function unsupported(): never {
  throw new Error('replicas only read sessions');
}
