import { Controller, Delete, Get, Header, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '@authfarm/credentials';
import { clearedSessionCookie } from '../login/session-cookie.js';
import { SessionRegistry, type SessionView } from './session-registry.service.js';

type Authenticated = FastifyRequest & { user: Principal };

/** The caller's own sessions, in every mode: list them, end one, end all. */
@Controller('auth')
export class SessionsController {
  constructor(private readonly sessions: SessionRegistry) {}

  @Get('sessions')
  @Header('cache-control', 'no-store')
  list(@Req() request: Authenticated): Promise<SessionView[]> {
    return this.sessions.list(request.user);
  }

  @Delete('sessions/:id')
  @HttpCode(204)
  end(@Req() request: Authenticated, @Param('id') id: string): Promise<void> {
    return this.sessions.end(request.user, id);
  }

  @Post('logout-all')
  @HttpCode(204)
  @Header('cache-control', 'no-store')
  async logoutAll(
    @Req() request: Authenticated,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.sessions.endAll(request.user.sub);
    if (request.user.mode === 'session') void reply.header('set-cookie', clearedSessionCookie());
  }
}
