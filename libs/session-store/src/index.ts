export { SessionIdMemo, newSessionSecret, sessionIdOf, type KnownSession } from './session-id.js';
export { MemorySessionStore } from './session-store.memory.js';
export { PostgresSessionStore } from './session-store.postgres.js';
export { RedisSessionStore } from './session-store.redis.js';
export {
  SessionStore,
  type SessionRecord,
  type SessionTimeouts,
  type StoredSession,
} from './session-store.js';
export { SessionStoreModule } from './session-store.module.js';
