import type { AuthMode } from '@authfarm/config';

/** Who made a request, as established by the replica itself from the original credential. */
export interface Principal {
  sub: string;
  username: string;
  /** Public session handle: never the cookie secret. */
  sid: string;
  mode: AuthMode;
  /** Issue time of an access token (seconds); undefined for cookie sessions. */
  iat?: number;
}
