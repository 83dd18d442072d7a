import { Body, Controller, Header, HttpCode, Post, Req } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AppConfig } from '@authfarm/config';
import { SESSION_VALIDATE, readBearer } from '@authfarm/credentials';
import { AppError, Public, ZodBodyPipe } from '@authfarm/platform';
import { IntrospectionService, type Introspection } from './introspection.service.js';

const introspectSchema = z.object({
  token: z.string().min(1).max(8192),
  token_type_hint: z.string().optional(),
});

/** RFC 7662 introspection over HTTP, and `session.validate` over the microservice TCP channel. */
@Controller()
export class IntrospectionController {
  private readonly secret: Buffer | undefined;

  constructor(
    config: AppConfig,
    private readonly introspection: IntrospectionService,
  ) {
    const secret = config.env.INTROSPECTION_SECRET;
    this.secret = secret ? Buffer.from(secret) : undefined;
  }

  @MessagePattern(SESSION_VALIDATE)
  validate(@Payload() message: { id?: unknown }): Promise<Introspection> {
    if (typeof message?.id !== 'string' || message.id.length > 64)
      return Promise.resolve({ active: false });
    return this.introspection.sessionById(message.id);
  }

  // RFC 7662 §2.1: the endpoint requires authorization, or it becomes a token-scanning oracle.
  @Public()
  @Post('auth/introspect')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  introspect(
    @Req() request: { headers: { authorization?: string } },
    @Body(new ZodBodyPipe(introspectSchema)) body: z.output<typeof introspectSchema>,
  ): Promise<Introspection> {
    if (!this.authorized(readBearer(request.headers.authorization)))
      throw new AppError('UNAUTHENTICATED');
    return this.introspection.credential(body.token);
  }

  private authorized(presented: string | undefined): boolean {
    if (!this.secret || !presented) return false;
    const given = Buffer.from(presented);
    return given.length === this.secret.length && timingSafeEqual(given, this.secret);
  }
}
