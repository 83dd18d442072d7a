import {
  Global,
  Inject,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ClientsModule } from '@nestjs/microservices';
import type { Redis } from 'ioredis';
import { AppConfig } from '@authfarm/config';
import { connectRedis, createRedisClient } from '@authfarm/platform';
import { RevocationEventsController } from './revocation-events.controller.js';
import { REVOCATION_CLIENT, RevocationPublisher } from './revocation-publisher.js';
import { RevocationState } from './revocation-state.js';
import { RevocationStore } from './revocation-store.js';
import { redisTransport } from './redis-transport.js';

const REVOCATION_REDIS = 'REVOCATION_REDIS';

/**
 * Revocation for every process: the durable list, the in-memory state fed by pushed events, and
 * (with `publisher: true`, the auth service) the publisher. The app must also connect the Redis
 * microservice transport (`redisTransport`) so the events controller receives pushes.
 */
@Global()
@Module({})
export class RevocationModule implements OnApplicationShutdown {
  constructor(@Inject(REVOCATION_REDIS) private readonly redis: Redis) {}

  static forRoot(config: AppConfig, options: { publisher: boolean }): DynamicModule {
    return {
      module: RevocationModule,
      imports: options.publisher
        ? [
            ClientsModule.register([
              { name: REVOCATION_CLIENT, ...redisTransport(config.env.REDIS_URL) },
            ]),
          ]
        : [],
      controllers: [RevocationEventsController],
      providers: [
        {
          provide: REVOCATION_REDIS,
          useFactory: async () => {
            const client = createRedisClient(
              config.env.REDIS_URL,
              config.env.STORE_TIMEOUT_MS,
              `${config.service}-revocations`,
            );
            await connectRedis(client);
            return client;
          },
        },
        {
          provide: RevocationStore,
          inject: [REVOCATION_REDIS],
          useFactory: (redis: Redis) =>
            new RevocationStore(
              redis,
              config.env.REDIS_KEY_PREFIX,
              (config.env.JWT_TTL + config.env.JWT_LEEWAY) * 1000,
            ),
        },
        RevocationState,
        ...(options.publisher ? [RevocationPublisher] : []),
      ],
      exports: [
        RevocationStore,
        RevocationState,
        ...(options.publisher ? [RevocationPublisher] : []),
      ],
    };
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}
