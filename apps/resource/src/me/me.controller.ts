import { Controller, Get, Req } from '@nestjs/common';
import { AppConfig } from '@authfarm/config';
import type { Principal } from '@authfarm/credentials';

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

  @Get()
  me(@Req() request: { user: Principal }): MeResponse {
    const { sub, username, sid, mode } = request.user;
    return { sub, username, sid, mode, replica: this.replica };
  }
}
