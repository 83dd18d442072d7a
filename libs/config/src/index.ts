export { AppConfig, ConfigError, loadConfigOrExit, type ServiceName } from './app-config.js';
export {
  AUTH_MODES,
  JWT_ALGORITHMS,
  SESSION_STORES,
  envSchema,
  type AuthMode,
  type Env,
  type JwtAlgorithm,
  type SessionStoreKind,
} from './config.schema.js';
