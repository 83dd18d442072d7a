import { Injectable } from '@nestjs/common';
import { createPublicKey } from 'node:crypto';
import { JwtKeys } from '@authfarm/credentials';
import type { VerificationKey } from '@authfarm/keys';
import { TokenSigner } from '../tokens/token-signer.js';

/** The auth service verifies access tokens (logout, session lists) with its own key. */
@Injectable()
export class OwnJwtKeys extends JwtKeys {
  private readonly keys: VerificationKey[];

  constructor(signer: TokenSigner) {
    super();
    if (!signer.key) {
      this.keys = [];
      return;
    }
    const { kid, alg, key } = signer.key;
    const publicKey =
      alg === 'HS256'
        ? key
        : createPublicKey(key).export({ format: 'pem', type: 'spki' }).toString();
    this.keys = [{ kid, alg, key: publicKey }];
  }

  async load(): Promise<VerificationKey[]> {
    return this.keys;
  }

  async refreshForUnknownKid(): Promise<undefined> {
    return undefined;
  }
}
