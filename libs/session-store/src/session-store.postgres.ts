import type pg from 'pg';
import { orUnavailable } from '@authfarm/platform';
import {
  SessionStore,
  refreshMayBeDue,
  type SessionRecord,
  type SessionTimeouts,
  type StoredSession,
} from './session-store.js';

// One statement, one round trip: read a live session and, when the last touch is older than the
// touch interval, refresh its idle expiry. Named so Postgres plans it once per connection. Times
// go in and out as epoch milliseconds: pg's conversions of Date parameters and timestamptz
// columns cost the replica more CPU than the rest of the query's client side.
const MS = (param: string) => `to_timestamp(${param}::float8 / 1000)`;
const EPOCH_MS = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;
const TOUCH: pg.QueryConfig = {
  name: 'authfarm_session_touch_ms',
  text: `WITH live AS (
    SELECT user_id, username, created_at, last_seen_at, absolute_expires_at, user_agent
      FROM sessions
     WHERE id = $1 AND idle_expires_at > ${MS('$2')} AND absolute_expires_at > ${MS('$2')}
  ), touched AS (
    UPDATE sessions
       SET last_seen_at = ${MS('$2')}, idle_expires_at = LEAST(${MS('$4')}, absolute_expires_at)
     WHERE id = $1 AND last_seen_at <= ${MS('$3')} AND EXISTS (SELECT 1 FROM live)
     RETURNING last_seen_at
  )
  SELECT user_id, username, user_agent,
         ${EPOCH_MS('created_at')} AS created_ms,
         ${EPOCH_MS('COALESCE((SELECT last_seen_at FROM touched), last_seen_at)')} AS last_seen_ms,
         ${EPOCH_MS('absolute_expires_at')} AS absolute_expires_ms
    FROM live`,
};

// The same answer without the refresh, for a caller that knows none is due (SessionStore.touch):
// about a fifth less Postgres CPU than the statement above, whose UPDATE looks the row up again.
const READ: pg.QueryConfig = {
  name: 'authfarm_session_read_ms',
  text: `SELECT user_id, username, user_agent,
         ${EPOCH_MS('created_at')} AS created_ms,
         ${EPOCH_MS('last_seen_at')} AS last_seen_ms,
         ${EPOCH_MS('absolute_expires_at')} AS absolute_expires_ms
    FROM sessions
   WHERE id = $1 AND idle_expires_at > ${MS('$2')} AND absolute_expires_at > ${MS('$2')}`,
};

interface TouchRow {
  user_id: string;
  username: string;
  user_agent: string;
  created_ms: number;
  last_seen_ms: number;
  absolute_expires_ms: number;
}

interface SessionRow {
  id?: string;
  user_id: string;
  username: string;
  created_at: Date;
  last_seen_at: Date;
  absolute_expires_at: Date;
  user_agent: string;
}

/** Sessions as rows of the `sessions` table (created by the auth service's migrations). */
export class PostgresSessionStore extends SessionStore {
  readonly kind = 'postgres' as const;

  constructor(
    private readonly pool: pg.Pool,
    private readonly timeouts: SessionTimeouts,
  ) {
    super();
  }

  async create(id: string, record: SessionRecord): Promise<void> {
    await this.query(
      `INSERT INTO sessions (id, user_id, username, created_at, last_seen_at, idle_expires_at,
                             absolute_expires_at, user_agent)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        id,
        record.userId,
        record.username,
        new Date(record.createdAt),
        new Date(record.lastSeenAt),
        new Date(Math.min(record.lastSeenAt + this.timeouts.idleMs, record.absoluteExpiresAt)),
        new Date(record.absoluteExpiresAt),
        record.userAgent,
      ],
    );
  }

  async touch(id: string, now: number, seenAt?: number): Promise<SessionRecord | undefined> {
    const { rows } = refreshMayBeDue(now, seenAt, this.timeouts)
      ? await this.query<TouchRow>(TOUCH, [
          id,
          now,
          now - this.timeouts.touchIntervalMs,
          now + this.timeouts.idleMs,
        ])
      : await this.query<TouchRow>(READ, [id, now]);
    const row = rows[0];
    if (!row) return undefined;
    return {
      userId: row.user_id,
      username: row.username,
      createdAt: row.created_ms,
      lastSeenAt: row.last_seen_ms,
      absoluteExpiresAt: row.absolute_expires_ms,
      userAgent: row.user_agent,
    };
  }

  async delete(id: string): Promise<boolean> {
    const { rowCount } = await this.query('DELETE FROM sessions WHERE id = $1', [id]);
    return rowCount === 1;
  }

  async listForUser(userId: string, now: number): Promise<StoredSession[]> {
    const { rows } = await this.query<SessionRow & { id: string }>(
      `SELECT id, user_id, username, created_at, last_seen_at, absolute_expires_at, user_agent
         FROM sessions
        WHERE user_id = $1 AND idle_expires_at > $2 AND absolute_expires_at > $2
        ORDER BY created_at`,
      [userId, new Date(now)],
    );
    return rows.map((row) => ({ id: row.id, ...fromRow(row) }));
  }

  async deleteAllForUser(userId: string): Promise<number> {
    const { rowCount } = await this.query('DELETE FROM sessions WHERE user_id = $1', [userId]);
    return rowCount ?? 0;
  }

  /** Removes expired rows; Postgres has no TTL, so the auth service calls this periodically. */
  async sweepExpired(now: number): Promise<number> {
    const { rowCount } = await this.query(
      'DELETE FROM sessions WHERE idle_expires_at <= $1 OR absolute_expires_at <= $1',
      [new Date(now)],
    );
    return rowCount ?? 0;
  }

  /** True when Postgres answers and the sessions table is there (the migrations have run). */
  async ping(): Promise<boolean> {
    return this.pool.query('SELECT 1 FROM sessions LIMIT 0').then(
      () => true,
      () => false,
    );
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private query<R extends object = object>(
    query: string | pg.QueryConfig,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    return orUnavailable('SESSION_STORE_UNAVAILABLE', 'postgres', () =>
      this.pool.query<R>(query as string, values),
    );
  }
}

function fromRow(row: SessionRow): SessionRecord {
  return {
    userId: row.user_id,
    username: row.username,
    createdAt: row.created_at.getTime(),
    lastSeenAt: row.last_seen_at.getTime(),
    absoluteExpiresAt: row.absolute_expires_at.getTime(),
    userAgent: row.user_agent,
  };
}
