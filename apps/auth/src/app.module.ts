import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from '@authfarm/config';
import { CredentialsModule } from '@authfarm/credentials';
import { PlatformModule } from '@authfarm/platform';
import { RevocationModule } from '@authfarm/revocation';
import { SessionStoreModule } from '@authfarm/session-store';
import { AuthReadiness } from './auth.readiness.js';
import { ENTITIES, dataSourceOptions } from './database/data-source.js';
import { JwksController } from './jwks/jwks.controller.js';
import { OwnJwtKeys } from './jwks/own-jwt-keys.js';
import { IntrospectionController } from './introspection/introspection.controller.js';
import { IntrospectionService } from './introspection/introspection.service.js';
import { AuthController } from './login/auth.controller.js';
import { LocalStrategy } from './login/local.strategy.js';
import { LoginThrottle } from './login/login-throttle.js';
import { LoginService } from './login/login.service.js';
import { SessionRegistry } from './sessions/session-registry.service.js';
import { SessionsController } from './sessions/sessions.controller.js';
import { SigningModule } from './tokens/signing.module.js';
import { TokenSessionsService } from './tokens/token-sessions.service.js';
import { PasswordHasher } from './users/password-hasher.js';
import { UsersService } from './users/users.service.js';

/** The auth service: users, logins, and the only holder of the signing key. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot(config, AuthReadiness),
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config),
          retryAttempts: 30,
          retryDelay: 1000,
        }),
        TypeOrmModule.forFeature(ENTITIES),
        SessionStoreModule,
        SigningModule,
        RevocationModule.forRoot(config, { publisher: true }),
        CredentialsModule.forRoot(OwnJwtKeys),
      ],
      controllers: [AuthController, SessionsController, JwksController, IntrospectionController],
      providers: [
        PasswordHasher,
        UsersService,
        LocalStrategy,
        LoginService,
        LoginThrottle,
        TokenSessionsService,
        SessionRegistry,
        IntrospectionService,
      ],
    };
  }
}
