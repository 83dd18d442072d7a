import { Injectable } from '@nestjs/common';
import { JwtKeys } from '@authfarm/credentials';
import type { VerificationKey } from '@authfarm/keys';
import { KeyRing } from '../keys/key-ring.js';

const UNKNOWN_KID_REFRESH_MS = 5000;

/** The auth service verifies access tokens (logout, session lists) with its own key ring. */
@Injectable()
export class OwnJwtKeys extends JwtKeys {
  private lastRefresh = 0;

  constructor(private readonly ring: KeyRing) {
    super();
  }

  // On a pushed change the ring has already started a read: the verifier joins it.
  async load(): Promise<VerificationKey[]> {
    await this.ring.refresh();
    return this.ring.verificationKeys();
  }

  // Rate-limited: a flood of junk kids must not become a flood of database reads.
  async refreshForUnknownKid(): Promise<VerificationKey[] | undefined> {
    if (Date.now() - this.lastRefresh < UNKNOWN_KID_REFRESH_MS) return undefined;
    this.lastRefresh = Date.now();
    return this.load();
  }
}
