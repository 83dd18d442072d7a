export { AppConfig, ConfigError, loadConfigOrExit, type ServiceName } from './app-config.js';
export {
  AUTH_MODES,
  JWT_ALGORITHMS,
  LOG_LEVELS,
  SESSION_STORES,
  envSchema,
  type AuthMode,
  type Env,
  type JwtAlgorithm,
  type LogLevel,
  type SessionStoreKind,
} from './config.schema.js';
