import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { Reflector } from '@nestjs/core';
import passport from 'passport';
import { AppConfig } from '@authfarm/config';
import { AppError, AuthenticationError, IS_PUBLIC, Metrics } from '@authfarm/platform';
import { RevocationStore } from '@authfarm/revocation';
import { readBearer } from './access-token.js';
import { JwtVerificationError } from './jwt-verifier.js';
import { crossSiteReason } from './csrf.js';
import type { Principal } from './principal.js';
import { REQUIRE_LIVE_SESSION } from './require-live-session.decorator.js';

interface GuardedRequest {
  method?: string;
  headers: IncomingHttpHeaders;
  user?: Principal;
  authInfo?: unknown;
}

// A bearer token is tried first and the cookie after it, as before; a request without a bearer
// token goes straight to the cookie, so it never pays for a JWT attempt that cannot succeed.
const BEARER_THEN_COOKIE = ['jwt', 'session-cookie'];
const COOKIE_ONLY = ['session-cookie'];
const OPTIONS = { session: false };

interface RouteMetadata {
  isPublic: boolean;
  requireLiveSession: boolean;
}

/**
 * The one global guard: every route needs a valid bearer token or session cookie unless it is
 * marked `@Public()`. Identity comes only from the credential itself; headers such as
 * `X-User-Id` are never read.
 *
 * It runs the passport strategies (`jwt`, `session-cookie`) through `passport.authenticate`, as
 * `@nestjs/passport`'s `AuthGuard` does, minus that guard's per-request option merging and
 * promise layers: this is the hot path of every replica (docs/benchmark.md).
 */
@Injectable()
export class CredentialGuard implements CanActivate {
  private readonly allowedOrigins: ReadonlySet<string>;
  private readonly routes = new WeakMap<object, WeakMap<object, RouteMetadata>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly metrics: Metrics,
    private readonly revocations: RevocationStore,
    config: AppConfig,
  ) {
    this.allowedOrigins = config.allowedOrigins;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Microservice messages (revocation events, session.validate) arrive on internal channels
    // that only farm services reach (docs/architecture.md); HTTP is what this guard protects.
    if (context.getType() !== 'http') return true;
    const route = this.routeOf(context);
    if (route.isPublic) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<GuardedRequest>();
    const user = await this.authenticate(request, http.getResponse());
    request.user = user;
    // A cookie rides along on any cross-site request; a bearer token never does.
    if (user.mode === 'session') {
      const reason = crossSiteReason(request, this.allowedOrigins);
      if (reason) throw new AppError('CSRF_REJECTED', reason);
    }
    if (route.requireLiveSession) await this.confirmLive(user);
    return true;
  }

  // A route's decorators are fixed once the app is built: read them once per handler and class
  // (a handler inherited by two controllers can carry different class decorators), not on every
  // request (four reflect-metadata lookups: 2.5–3.3 µs of a cached-token check in a profile).
  private routeOf(context: ExecutionContext): RouteMetadata {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byHandler = this.routes.get(controller);
    if (!byHandler) this.routes.set(controller, (byHandler = new WeakMap()));
    let route = byHandler.get(handler);
    if (!route) {
      const targets = [handler, controller];
      route = {
        isPublic: this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) === true,
        requireLiveSession:
          this.reflector.getAllAndOverride<boolean>(REQUIRE_LIVE_SESSION, targets) === true,
      };
      byHandler.set(handler, route);
    }
    return route;
  }

  private authenticate(request: GuardedRequest, response: unknown): Promise<Principal> {
    const bearer = readBearer(request.headers.authorization) !== undefined;
    return new Promise((resolve, reject) => {
      passport.authenticate(
        bearer ? BEARER_THEN_COOKIE : COOKIE_ONLY,
        OPTIONS,
        (error: unknown, user: Principal | false, info: unknown) => {
          request.authInfo = info;
          try {
            resolve(this.outcome(request, bearer, error, user, info));
          } catch (refused) {
            reject(refused as Error);
          }
        },
      )(request, response, (error?: unknown) => reject(error as Error));
    });
  }

  private outcome(
    request: GuardedRequest,
    bearer: boolean,
    error: unknown,
    user: Principal | false,
    info: unknown,
  ): Principal {
    if (error) throw error;
    if (user) return user;
    if (!bearer && !request.headers.cookie) this.metrics.authOutcome('none', 'missing');
    const expired = [info]
      .flat()
      .some((i) => i instanceof JwtVerificationError && i.reason === 'expired');
    throw new AuthenticationError(expired ? 'TOKEN_EXPIRED' : 'UNAUTHENTICATED', bearer);
  }

  // Cookie sessions were just read from the store; tokens get one round trip to the durable
  // revocation list, which every ended session is written to, whatever its mode.
  private async confirmLive({ mode, sid, sub, iat }: Principal): Promise<void> {
    if (mode === 'session') return;
    this.metrics.storeRoundTrip('redis', 'revocation-check');
    if (!(await this.revocations.isLive(sid, sub, iat ?? 0))) {
      this.metrics.authOutcome('jwt', 'revoked');
      throw new AuthenticationError('SESSION_INVALID', true);
    }
  }
}
