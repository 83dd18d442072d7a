import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, cookie sessions (Postgres store), and JWT sessions with their refresh tokens. */
export class InitialSchema1764380000000 implements MigrationInterface {
  name = 'InitialSchema1764380000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username text NOT NULL,
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX users_username_key ON users (lower(username))`);
    await queryRunner.query(`
      CREATE TABLE sessions (
        id text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        username text NOT NULL,
        created_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        idle_expires_at timestamptz NOT NULL,
        absolute_expires_at timestamptz NOT NULL,
        user_agent text NOT NULL DEFAULT ''
      )`);
    await queryRunner.query(`CREATE INDEX sessions_user_id_idx ON sessions (user_id)`);
    await queryRunner.query(`
      CREATE TABLE token_sessions (
        id text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        mode text NOT NULL,
        created_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        user_agent text NOT NULL DEFAULT ''
      )`);
    await queryRunner.query(`CREATE INDEX token_sessions_user_id_idx ON token_sessions (user_id)`);
    await queryRunner.query(`
      CREATE TABLE refresh_tokens (
        token_hash text PRIMARY KEY,
        session_id text NOT NULL REFERENCES token_sessions (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE refresh_tokens`);
    await queryRunner.query(`DROP TABLE token_sessions`);
    await queryRunner.query(`DROP TABLE sessions`);
    await queryRunner.query(`DROP TABLE users`);
  }
}
