import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { AuthenticationError, IS_PUBLIC, Metrics } from '@authfarm/platform';
import { readBearer } from './access-token.js';
import { JwtVerificationError } from './jwt-verifier.js';
import type { Principal } from './principal.js';

interface HeaderRequest {
  headers: { authorization?: string; cookie?: string };
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
  ) {
    super();
  }

  override canActivate(context: ExecutionContext): Promise<boolean> | boolean {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    return isPublic || (super.canActivate(context) as Promise<boolean>);
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
