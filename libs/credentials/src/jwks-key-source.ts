import { verificationKeyFromJwk, type PublicJwk, type VerificationKey } from '@authfarm/keys';

export interface JwksKeySourceOptions {
  url: string;
  /** An unknown kid triggers at most one refetch per this interval: a flood of junk kids cannot
   *  turn every replica into a JWKS-fetching amplifier. */
  minRefreshIntervalMs: number;
  timeoutMs: number;
}

/** Public keys from the auth service's JWKS: fetched at start and again on an unknown kid. */
export class JwksKeySource {
  private lastFetch = 0;
  private inflight: Promise<VerificationKey[] | undefined> | undefined;

  constructor(
    private readonly options: JwksKeySourceOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Fetches now, whatever the rate limit says (start-up, the timer, a pushed key change). Does
   * not use up the unknown-kid budget: a token of a key announced a moment ago can still fetch.
   */
  async fetch(): Promise<VerificationKey[] | undefined> {
    this.inflight ??= this.load().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  /** Refetches for an unknown kid, unless it did so within the rate-limit interval. */
  async refreshForUnknownKid(): Promise<VerificationKey[] | undefined> {
    if (this.now() - this.lastFetch < this.options.minRefreshIntervalMs) return undefined;
    this.lastFetch = this.now();
    return this.fetch();
  }

  private async load(): Promise<VerificationKey[] | undefined> {
    try {
      const response = await fetch(this.options.url, {
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      if (!response.ok) return undefined;
      const body = (await response.json()) as { keys?: Partial<PublicJwk>[] };
      if (!Array.isArray(body.keys)) return undefined;
      return body.keys.flatMap((jwk) => verificationKeyFromJwk(jwk) ?? []);
    } catch {
      return undefined;
    }
  }
}
