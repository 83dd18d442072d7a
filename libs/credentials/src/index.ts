export {
  ACCESS_TOKEN_TYP,
  SESSION_COOKIE,
  SESSION_VALIDATE,
  readBearer,
  readCookie,
  type AccessTokenClaims,
} from './access-token.js';
export { AccessTokenVerifier } from './access-token-verifier.js';
export { CredentialGuard } from './credential.guard.js';
export { crossSiteReason } from './csrf.js';
export { CredentialsModule } from './credentials.module.js';
export { JwksKeySource, type JwksKeySourceOptions } from './jwks-key-source.js';
export { JwtKeys } from './jwt-keys.js';
export {
  JwtVerificationError,
  JwtVerifier,
  type JwtFailure,
  type JwtVerifierOptions,
} from './jwt-verifier.js';
export type { Principal } from './principal.js';
export { RequireLiveSession } from './require-live-session.decorator.js';
