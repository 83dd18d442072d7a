import { Controller, Get, Header } from '@nestjs/common';
import type { PublicJwk } from '@authfarm/keys';
import { Public } from '@authfarm/platform';
import { TokenSigner } from '../tokens/token-signer.js';

/** The public verification keys (RFC 7517). Empty for HS256: a shared secret is never published. */
@Public()
@Controller('.well-known/jwks.json')
export class JwksController {
  private readonly document: { keys: PublicJwk[] };

  constructor(signer: TokenSigner) {
    this.document = { keys: signer.key?.publicJwk ? [signer.key.publicJwk] : [] };
  }

  @Get()
  @Header('cache-control', 'public, max-age=300')
  jwks(): { keys: PublicJwk[] } {
    return this.document;
  }
}
