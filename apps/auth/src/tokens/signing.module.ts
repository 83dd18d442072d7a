import { Global, Module } from '@nestjs/common';
import { KeyRing } from '../keys/key-ring.js';
import { TokenSigner } from './token-signer.js';

/** The key ring and the signer, visible app-wide (the JWKS and this app's verifier read the ring). */
@Global()
@Module({ providers: [KeyRing, TokenSigner], exports: [KeyRing, TokenSigner] })
export class SigningModule {}
