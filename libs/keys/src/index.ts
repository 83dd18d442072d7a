export {
  generateKeyMaterial,
  jwkThumbprint,
  loadSigningKey,
  publicJwk,
  secretKid,
  verificationKeyFromJwk,
  type PublicJwk,
  type SigningKey,
  type VerificationKey,
} from './signing-key.js';
