import { Injectable, type ExecutionContext } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { AppConfig } from '@authfarm/config';
import { AppError, AuthenticationError, IS_PUBLIC, Metrics } from '@authfarm/platform';
import { RevocationStore } from '@authfarm/revocation';
import { readBearer } from './access-token.js';
import { JwtVerificationError } from './jwt-verifier.js';
import { crossSiteReason } from './csrf.js';
import type { Principal } from './principal.js';
import { REQUIRE_LIVE_SESSION } from './require-live-session.decorator.js';

interface HeaderRequest {
  method?: string;
  headers: IncomingHttpHeaders;
}

/**
 * The one global guard: every route needs a valid bearer token or session cookie unless it is
 * marked `@Public()`. Identity comes only from the credential itself; headers such as
 * `X-User-Id` are never read.
 */
@Injectable()
export class CredentialGuard extends AuthGuard(['jwt', 'session-cookie']) {
  constructor(
    private readonly reflector: Reflector,
    private readonly metrics: Metrics,
    private readonly revocations: RevocationStore,
    config: AppConfig,
  ) {
    super();
    this.allowedOrigins = config.allowedOrigins;
  }

  private readonly allowedOrigins: ReadonlySet<string>;

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    // Microservice messages (revocation events, session.validate) arrive on internal channels
    // that only farm services reach (docs/architecture.md); HTTP is what this guard protects.
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    await super.canActivate(context);
    const request = context.switchToHttp().getRequest<HeaderRequest & { user: Principal }>();
    // A cookie rides along on any cross-site request; a bearer token never does.
    if (request.user.mode === 'session') {
      const reason = crossSiteReason(request, this.allowedOrigins);
      if (reason) throw new AppError('CSRF_REJECTED', reason);
    }
    if (this.reflector.getAllAndOverride<boolean>(REQUIRE_LIVE_SESSION, targets)) {
      await this.confirmLive(context);
    }
    return true;
  }

  // Cookie sessions were just read from the store; tokens get one round trip to the durable
  // revocation list, which every ended session is written to, whatever its mode.
  private async confirmLive(context: ExecutionContext): Promise<void> {
    const request = context.switchToHttp().getRequest<HeaderRequest & { user: Principal }>();
    const { mode, sid, sub, iat } = request.user;
    if (mode === 'session') return;
    this.metrics.storeRoundTrip('redis', 'revocation-check');
    if (!(await this.revocations.isLive(sid, sub, iat ?? 0))) {
      this.metrics.authOutcome('jwt', 'revoked');
      throw new AuthenticationError('SESSION_INVALID', true);
    }
  }

  override handleRequest<T = Principal>(
    error: unknown,
    user: T | false,
    info: unknown,
    context: ExecutionContext,
  ): T {
    if (error) throw error;
    if (user) return user;
    const request = context.switchToHttp().getRequest<HeaderRequest>();
    const bearer = readBearer(request.headers.authorization) !== undefined;
    if (!bearer && !request.headers.cookie) this.metrics.authOutcome('none', 'missing');
    const expired = [info]
      .flat()
      .some((i) => i instanceof JwtVerificationError && i.reason === 'expired');
    throw new AuthenticationError(expired ? 'TOKEN_EXPIRED' : 'UNAUTHENTICATED', bearer);
  }
}
