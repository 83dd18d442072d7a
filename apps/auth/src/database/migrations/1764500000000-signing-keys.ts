import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signing key rings (one per JWT_KEY_RING): at most one next and one current key per ring;
 * private keys sealed at rest.
 */
export class SigningKeys1764500000000 implements MigrationInterface {
  name = 'SigningKeys1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE signing_keys (
        ring text NOT NULL,
        kid text NOT NULL,
        alg text NOT NULL,
        state text NOT NULL CHECK (state IN ('next', 'current', 'retired', 'revoked')),
        sealed_private_key text,
        public_jwk jsonb,
        created_at timestamptz NOT NULL,
        activated_at timestamptz,
        retired_at timestamptz,
        revoked_at timestamptz,
        PRIMARY KEY (ring, kid),
        -- an HS256 key is JWT_SECRET itself: never stored
        CHECK (alg <> 'HS256' OR sealed_private_key IS NULL),
        -- a key that signs, or will, has its sealed private key
        CHECK (alg = 'HS256' OR state IN ('retired', 'revoked') OR sealed_private_key IS NOT NULL)
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys (ring) WHERE state = 'current'`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX signing_keys_one_next ON signing_keys (ring) WHERE state = 'next'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE signing_keys`);
  }
}
