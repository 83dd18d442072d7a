import { Controller, Get, Header } from '@nestjs/common';
import type { PublicJwk } from '@authfarm/keys';
import { Public } from '@authfarm/platform';
import { KeyRing } from '../keys/key-ring.js';

/**
 * The public verification keys (RFC 7517): the ring's next, current and recently retired keys.
 * Empty for HS256: a shared secret is never published.
 */
@Public()
@Controller('.well-known/jwks.json')
export class JwksController {
  constructor(private readonly ring: KeyRing) {}

  // Short max-age: replicas are told of changes by push and refetch at once; this bounds caches
  // that are not (docs/keys.md).
  @Get()
  @Header('cache-control', 'public, max-age=60')
  jwks(): { keys: PublicJwk[] } {
    return { keys: this.ring.publishedKeys() };
  }
}
