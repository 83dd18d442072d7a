/**
 * Reference server for benchmark scenario 9 ("against what users would pick instead"): the
 * stateless setup as the NestJS authentication chapter and `sample/19-auth-jwt` show it —
 * `@nestjs/jwt`'s JwtService behind a global AuthGuard, on the default Express platform.
 * It verifies authfarm's HS256 access tokens; it never signs any.
 */
import 'reflect-metadata';
import {
  Controller,
  Get,
  Injectable,
  Module,
  Req,
  SetMetadata,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { APP_GUARD, NestFactory, Reflector } from '@nestjs/core';
import { JwtModule, JwtService } from '@nestjs/jwt';
import type { Request } from 'express';

interface ReferenceEnv {
  host: string;
  port: number;
  jwtSecret: string;
  jwtIssuer: string;
  jwtAudience: string;
}

/** The only reader of `process.env` here; a missing variable stops the process by name. */
function readEnv(): ReferenceEnv {
  const fail = (message: string): never => {
    console.error(`nest-jwt-app: ${message}`);
    process.exit(1);
  };
  const port = Number(process.env.PORT ?? 0); // 0: any free port, as authfarm's PORT
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    fail('PORT must be an integer from 0 to 65535');
  }
  const jwtSecret = process.env.JWT_SECRET ?? fail('environment variable JWT_SECRET is required');
  // Same floor as authfarm's config: an HS256 key shorter than the hash is guessable offline.
  if (jwtSecret.length < 32) fail('JWT_SECRET must be at least 32 characters (256 bits)');
  return {
    host: process.env.HOST ?? '127.0.0.1',
    port,
    jwtSecret,
    jwtIssuer: process.env.JWT_ISSUER ?? 'authfarm',
    jwtAudience: process.env.JWT_AUDIENCE ?? 'authfarm-api',
  };
}

const env = readEnv();

/** The claims of an authfarm access token that this server reads. */
interface AccessPayload {
  sub: string;
  sid: string;
  preferred_username: string;
}

const IS_PUBLIC_KEY = 'isPublic';
const Public = () => SetMetadata(IS_PUBLIC_KEY, true);

/** The guard of the NestJS docs, plus the checks authfarm's verifier makes that jsonwebtoken offers. */
@Injectable()
class AuthGuard implements CanActivate {
  constructor(
    private jwtService: JwtService,
    private reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) {
      return true;
    }

    const request = context.switchToHttp().getRequest<Request & { user?: AccessPayload }>();
    const token = this.extractTokenFromHeader(request);
    if (!token) {
      throw new UnauthorizedException();
    }
    try {
      const payload = await this.jwtService.verifyAsync<AccessPayload>(token, {
        secret: env.jwtSecret,
        // Pinned algorithm: refuses `alg: none` and algorithm confusion (RFC 8725 §2.1, §3.1);
        // issuer and audience as authfarm checks them (§3.8, §3.9), with the same 5 s leeway.
        algorithms: ['HS256'],
        issuer: env.jwtIssuer,
        audience: env.jwtAudience,
        clockTolerance: 5,
      });
      request.user = payload;
    } catch {
      throw new UnauthorizedException();
    }
    return true;
  }

  private extractTokenFromHeader(request: Request): string | undefined {
    const [type, token] = request.headers.authorization?.split(' ') ?? [];
    return type === 'Bearer' ? token : undefined;
  }
}

interface MeResponse {
  sub: string;
  username: string;
  sid: string;
  mode: 'jwt';
  replica: 'nest-jwt';
}

@Controller()
class MeController {
  @Get('api/me')
  me(@Req() request: { user: AccessPayload }): MeResponse {
    const { sub, preferred_username, sid } = request.user;
    return { sub, username: preferred_username, sid, mode: 'jwt', replica: 'nest-jwt' };
  }

  @Public()
  @Get('health/ready')
  ready(): { ready: true } {
    return { ready: true };
  }
}

@Module({
  imports: [JwtModule.register({ global: true, secret: env.jwtSecret })],
  controllers: [MeController],
  providers: [{ provide: APP_GUARD, useClass: AuthGuard }],
})
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: ['fatal', 'error', 'warn'] });
await app.listen(env.port, env.host);
const { port } = app.getHttpServer().address() as { port: number };
console.log(`nest-jwt-app listening on http://${env.host}:${port}`);

// Same contract as authfarm's reportListening: tell the parent the port, and go when it goes.
if (process.send) {
  process.send({ type: 'listening', port });
  process.once('disconnect', () => {
    void app.close().finally(() => process.exit(0));
  });
}
