export { generateKeyEncryptionKey, openKey, sealKey } from './key-sealing.js';
export {
  generateKeyMaterial,
  generateSigningKey,
  jwkThumbprint,
  loadSigningKey,
  publicJwk,
  secretKid,
  verificationKeyFromJwk,
  type PublicJwk,
  type SigningKey,
  type VerificationKey,
} from './signing-key.js';
