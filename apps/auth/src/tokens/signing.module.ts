import { Global, Module } from '@nestjs/common';
import { TokenSigner } from './token-signer.js';

/** The signing key, visible app-wide (the credential verifier of this app reads its public half). */
@Global()
@Module({ providers: [TokenSigner], exports: [TokenSigner] })
export class SigningModule {}
