export { AccessLog, pathOf, roundMs, type AccessLine } from './access-log.js';
export { AllExceptionsFilter, AuthenticationError } from './all-exceptions.filter.js';
export { AppError, ERROR_STATUS, errorBody, type ErrorBody, type ErrorCode } from './app-error.js';
export { createHttpApp, listen, reportListening } from './bootstrap.js';
export { PlatformModule } from './platform.module.js';
export { HealthController } from './health.controller.js';
export {
  REDACTED_PATHS,
  createLogger,
  errorFields,
  exitOnUncaught,
  type Logger,
} from './logger.js';
export { Metrics, type AuthOutcome, type CredentialKind } from './metrics.js';
export { createPgPool } from './pg-pool.js';
export { PinoNestLogger } from './pino-nest-logger.js';
export { IS_PUBLIC, Public } from './public.decorator.js';
export { Readiness } from './readiness.js';
export { connectRedis, createRedisClient } from './redis-client.js';
export { requestIdFrom } from './request-id.js';
export { ZodBodyPipe } from './zod-body.pipe.js';
export { orUnavailable } from './unavailable.js';
