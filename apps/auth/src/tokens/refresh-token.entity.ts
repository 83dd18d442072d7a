import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One refresh token, stored as the SHA-256 of its value: a database dump cannot be replayed. */
@Entity('refresh_tokens')
export class RefreshToken {
  @PrimaryColumn('text', { name: 'token_hash' })
  tokenHash!: string;

  @Column('text', { name: 'session_id' })
  sessionId!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;

  @Column('timestamptz', { name: 'used_at', nullable: true })
  usedAt!: Date | null;
}
