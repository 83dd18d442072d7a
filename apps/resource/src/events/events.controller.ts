import { Controller, Get, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Principal } from '@authfarm/credentials';
import { LiveConnections } from './live-connections.js';

/** `GET /api/events`: a Server-Sent Events stream that says "you were logged out". */
@Controller('api/events')
export class EventsController {
  constructor(private readonly connections: LiveConnections) {}

  @Get()
  stream(@Req() request: { user: Principal }, @Res() reply: FastifyReply): void {
    reply.hijack();
    this.connections.open(request.user, reply.raw);
  }
}
