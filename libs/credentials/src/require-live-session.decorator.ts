import { SetMetadata } from '@nestjs/common';

export const REQUIRE_LIVE_SESSION = 'authfarm:require-live-session';

/**
 * Makes a route confirm that the caller's session is still live, with one store round trip,
 * even for a self-contained token (SuperTokens calls this `checkDatabase`). For sensitive
 * actions that must not ride on a token whose session was ended a minute ago.
 */
export const RequireLiveSession = (): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRE_LIVE_SESSION, true);
