import { randomBytes } from 'node:crypto';
import { generateKeyEncryptionKey, openKey, sealKey } from './key-sealing.js';

describe('sealed private keys', () => {
  const kek = Buffer.from(generateKeyEncryptionKey(), 'base64url');
  const pem = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA\n-----END PRIVATE KEY-----\n';

  it('opens what it sealed, and the sealed form does not contain the key', () => {
    const sealed = sealKey(pem, kek, 'kid-1');
    expect(sealed).not.toContain('PRIVATE KEY');
    expect(openKey(sealed, kek, 'kid-1')).toBe(pem);
  });

  it('refuses another key-encryption key', () => {
    expect(() => openKey(sealKey(pem, kek, 'kid-1'), randomBytes(32), 'kid-1')).toThrow();
  });

  it('refuses a sealed key moved to another kid', () => {
    expect(() => openKey(sealKey(pem, kek, 'kid-1'), kek, 'kid-2')).toThrow();
  });

  it('refuses a tampered ciphertext', () => {
    const parts = sealKey(pem, kek, 'kid-1').split('.');
    const body = Buffer.from(parts[3], 'base64url');
    body[0] ^= 1;
    parts[3] = body.toString('base64url');
    expect(() => openKey(parts.join('.'), kek, 'kid-1')).toThrow();
  });
});
