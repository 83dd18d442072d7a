import { Global, Module, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@authfarm/config';
import { connectRedis, createPgPool, createRedisClient } from '@authfarm/platform';
import { MemorySessionStore } from './session-store.memory.js';
import { PostgresSessionStore } from './session-store.postgres.js';
import { RedisSessionStore } from './session-store.redis.js';
import { SessionStore, type SessionTimeouts } from './session-store.js';

/** Binds `SessionStore` to the implementation `SESSION_STORE` names. */
@Global()
@Module({
  providers: [
    {
      provide: SessionStore,
      inject: [AppConfig],
      useFactory: async (config: AppConfig): Promise<SessionStore> => {
        const env = config.env;
        const timeouts: SessionTimeouts = {
          idleMs: env.SESSION_IDLE_TTL * 1000,
          absoluteMs: env.SESSION_ABSOLUTE_TTL * 1000,
          touchIntervalMs: env.SESSION_TOUCH_INTERVAL * 1000,
        };
        switch (env.SESSION_STORE) {
          case 'redis': {
            const client = createRedisClient(
              env.REDIS_URL,
              env.STORE_TIMEOUT_MS,
              `${config.service}-sessions`,
            );
            await connectRedis(client);
            return new RedisSessionStore(client, env.REDIS_KEY_PREFIX, timeouts);
          }
          case 'postgres':
            return new PostgresSessionStore(
              createPgPool(env.DATABASE_URL, env.STORE_TIMEOUT_MS),
              timeouts,
            );
          case 'memory':
            return new MemorySessionStore(timeouts);
        }
      },
    },
  ],
  exports: [SessionStore],
})
export class SessionStoreModule implements OnApplicationShutdown {
  constructor(private readonly store: SessionStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
