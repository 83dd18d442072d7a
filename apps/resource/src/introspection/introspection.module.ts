import { Global, Module } from '@nestjs/common';
import { ClientProxyFactory, Transport } from '@nestjs/microservices';
import { AppConfig } from '@authfarm/config';
import { SessionStore } from '@authfarm/session-store';
import { IntrospectionSessionStore } from './introspection-session-store.js';

/** Binds `SessionStore` to the auth service's `session.validate` over TCP. */
@Global()
@Module({
  providers: [
    {
      provide: SessionStore,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        const url = new URL((config.env.INTROSPECTION_URL as string).replace(/^tcp:/, 'http:'));
        const client = ClientProxyFactory.create({
          transport: Transport.TCP,
          options: { host: url.hostname, port: Number(url.port) },
        });
        return new IntrospectionSessionStore(client, config.env.STORE_TIMEOUT_MS);
      },
    },
  ],
  exports: [SessionStore],
})
export class IntrospectionModule {}
