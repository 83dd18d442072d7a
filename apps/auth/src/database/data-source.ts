import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '@authfarm/config';
import { RefreshToken } from '../tokens/refresh-token.entity.js';
import { TokenSession } from '../tokens/token-session.entity.js';
import { User } from '../users/user.entity.js';
import { InitialSchema1764380000000 } from './migrations/1764380000000-initial-schema.js';
import { SigningKeys1764500000000 } from './migrations/1764500000000-signing-keys.js';

export const ENTITIES = [User, TokenSession, RefreshToken];
export const MIGRATIONS = [InitialSchema1764380000000, SigningKeys1764500000000];
/** The newest migration this build knows: the schema it needs. */
export const NEWEST_MIGRATION = MIGRATIONS[MIGRATIONS.length - 1].name;
/** One row when the schema is at NEWEST_MIGRATION ($1); fails before any migration has run. */
export const SCHEMA_CURRENT_SQL = 'SELECT 1 FROM migrations WHERE name = $1';

/** TypeORM options. The schema comes from migrations only: `synchronize` stays off. */
export function dataSourceOptions(config: AppConfig): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.env.DATABASE_URL,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    logging: false,
    extra: {
      max: 10,
      connectionTimeoutMillis: config.env.STORE_TIMEOUT_MS * 2,
      query_timeout: config.env.STORE_TIMEOUT_MS * 4,
    },
  };
}
