import { Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '@authfarm/config';
import { RequireLiveSession, type Principal } from '@authfarm/credentials';
import { Public } from '@authfarm/platform';

export interface MeResponse extends Principal {
  replica: string;
}

/** The protected resource: who the replica authenticated, and which replica answered. */
@Controller('api/me')
export class MeController {
  private readonly replica: string;

  constructor(config: AppConfig) {
    this.replica = config.env.REPLICA_ID;
  }

  /** The no-auth baseline the benchmark compares every mode with: same path, same hop. */
  @Public()
  @Get('ping')
  ping(): { ok: true; replica: string } {
    return { ok: true, replica: this.replica };
  }

  @Get()
  me(@Req() request: { user: Principal }): MeResponse {
    const { sub, username, sid, mode } = request.user;
    return { sub, username, sid, mode, replica: this.replica };
  }

  /**
   * A sensitive action: it must not ride on a token whose session was ended, so it confirms the
   * session with one store round trip even for a JWT.
   */
  @RequireLiveSession()
  @Post('password-change-intent')
  @HttpCode(202)
  passwordChangeIntent(@Req() request: { user: Principal }): {
    intent: string;
    sid: string;
    replica: string;
  } {
    return { intent: randomUUID(), sid: request.user.sid, replica: this.replica };
  }
}
