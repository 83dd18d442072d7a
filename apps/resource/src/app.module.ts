import { Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from '@authfarm/config';
import { CredentialsModule } from '@authfarm/credentials';
import { PlatformModule } from '@authfarm/platform';
import { RevocationModule } from '@authfarm/revocation';
import { SessionStoreModule } from '@authfarm/session-store';
import { ReplicaJwtKeys } from './auth/replica-jwt-keys.js';
import { EventsController } from './events/events.controller.js';
import { LiveConnections } from './events/live-connections.js';
import { IntrospectionModule } from './introspection/introspection.module.js';
import { MeController } from './me/me.controller.js';
import { ResourceReadiness } from './resource.readiness.js';

/** One replica of the resource service. Every request is authenticated here, by this process. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot(config, ResourceReadiness),
        config.env.SESSION_CHECK === 'introspection' ? IntrospectionModule : SessionStoreModule,
        RevocationModule.forRoot(config, { publisher: false }),
        CredentialsModule.forRoot(ReplicaJwtKeys),
      ],
      controllers: [MeController, EventsController],
      providers: [LiveConnections],
    };
  }
}
