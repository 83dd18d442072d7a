import { Controller, Get, Header } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PublicJwk } from '@authfarm/keys';
import { Public } from '@authfarm/platform';
import { KeyRing } from '../keys/key-ring.js';

const JWKS_FRESHNESS_MS = 250;
const JWKS_MAX_WAIT_MS = 200;

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
  async jwks(): Promise<{ keys: PublicJwk[] }> {
    // Read through (at most a few reads a second): a replica told of a change by push must get
    // the new ring from whichever auth replica answers, even one that has not heard the push yet.
    // A slow database never holds the JWKS up: past the wait, the last view is served.
    await Promise.race([this.ring.reloadIfOlderThan(JWKS_FRESHNESS_MS), sleep(JWKS_MAX_WAIT_MS)]);
    return { keys: this.ring.publishedKeys() };
  }
}
