export { redisTransport } from './redis-transport.js';
export { RevocationList } from './revocation-list.js';
export { RevocationModule } from './revocation.module.js';
export { RevocationPublisher } from './revocation-publisher.js';
export { KEYS_CHANGED, type KeysChangedEvent } from './keys-changed.event.js';
export {
  RevocationState,
  type KeysChangedListener,
  type SessionEndedListener,
} from './revocation-state.js';
export { RevocationStore } from './revocation-store.js';
export { SESSION_ENDED, type EndReason, type SessionEndedEvent } from './session-ended.event.js';
