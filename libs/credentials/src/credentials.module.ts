import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { CredentialGuard } from './credential.guard.js';
import { JwtKeys } from './jwt-keys.js';
import { JwtStrategy } from './jwt.strategy.js';
import { SessionCookieStrategy } from './session-cookie.strategy.js';

/**
 * Authentication of incoming requests, on by default for the whole app (`@Public()` opts out).
 * The app says where verification keys come from; `SessionStore` must be available globally.
 */
@Module({})
export class CredentialsModule {
  static forRoot(keys: Type<JwtKeys>): DynamicModule {
    return {
      module: CredentialsModule,
      global: true,
      imports: [PassportModule],
      providers: [
        { provide: JwtKeys, useClass: keys },
        AccessTokenVerifier,
        JwtStrategy,
        SessionCookieStrategy,
        { provide: APP_GUARD, useClass: CredentialGuard },
      ],
      exports: [AccessTokenVerifier],
    };
  }
}
