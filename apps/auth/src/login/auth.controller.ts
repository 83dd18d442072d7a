import { Body, Controller, Header, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE, readCookie, type Principal } from '@authfarm/credentials';
import { Public, ZodBodyPipe } from '@authfarm/platform';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { SessionRegistry } from '../sessions/session-registry.service.js';
import {
  loginSchema,
  refreshSchema,
  registerSchema,
  type LoginDto,
  type RefreshDto,
  type RegisterDto,
} from './credentials.dto.js';
import { LoginGuard } from './login.guard.js';
import { LoginService, type LoginResponse, type TokenResponse } from './login.service.js';
import { clearedSessionCookie, sessionCookie } from './session-cookie.js';

/** Registration, login and logout. Responses carrying credentials are never cached. */
@Controller('auth')
export class AuthController {
  constructor(
    private readonly users: UsersService,
    private readonly logins: LoginService,
    private readonly sessions: SessionRegistry,
  ) {}

  @Public()
  @Post('register')
  @HttpCode(201)
  @Header('cache-control', 'no-store')
  async register(
    @Body(new ZodBodyPipe(registerSchema)) body: RegisterDto,
  ): Promise<{ id: string; username: string }> {
    const user = await this.users.register(body.username, body.password);
    return { id: user.id, username: user.username };
  }

  @Public()
  @UseGuards(LoginGuard)
  @Post('login')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  async login(
    @Req() request: FastifyRequest & { user: User },
    @Body(new ZodBodyPipe(loginSchema)) body: LoginDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponse> {
    const result = await this.logins.login(
      request.user,
      body.mode,
      request.headers['user-agent'],
      readCookie(request.headers.cookie, SESSION_COOKIE),
    );
    if (result.cookieSecret) void reply.header('set-cookie', sessionCookie(result.cookieSecret));
    return result.body;
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  refresh(@Body(new ZodBodyPipe(refreshSchema)) body: RefreshDto): Promise<TokenResponse> {
    return this.logins.refresh(body.refresh_token);
  }

  /**
   * Ends the caller's session. Session mode: the record is deleted, so the cookie fails on every
   * replica at once. JWT: refreshes stop; the access token stays valid until `exp`. Hybrid: the
   * replicas are told and refuse the token within the propagation bound.
   */
  @Post('logout')
  @HttpCode(204)
  @Header('cache-control', 'no-store')
  async logout(
    @Req() request: FastifyRequest & { user: Principal },
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.sessions.endCurrent(request.user);
    if (request.user.mode === 'session') void reply.header('set-cookie', clearedSessionCookie());
  }
}
