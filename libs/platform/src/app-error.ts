/**
 * Stable error codes. Clients see the code and a generic message; never a library message.
 * The HTTP status is decided here, once, so every service maps the same code the same way.
 */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  TOKEN_INVALID: 401,
  TOKEN_EXPIRED: 401,
  SESSION_INVALID: 401,
  MODE_NOT_ENABLED: 400,
  FORBIDDEN: 403,
  CSRF_REJECTED: 403,
  NOT_FOUND: 404,
  USERNAME_TAKEN: 409,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_ATTEMPTS: 429,
  SESSION_STORE_UNAVAILABLE: 503,
  DATABASE_UNAVAILABLE: 503,
  KEYS_UNAVAILABLE: 503,
  NOT_READY: 503,
  REVOCATIONS_UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

const MESSAGES: Record<ErrorCode, string> = {
  BAD_REQUEST: 'The request is not valid.',
  UNAUTHENTICATED: 'Authentication is required.',
  INVALID_CREDENTIALS: 'Invalid username or password.',
  TOKEN_INVALID: 'Authentication is required.',
  TOKEN_EXPIRED: 'Authentication is required.',
  SESSION_INVALID: 'Authentication is required.',
  MODE_NOT_ENABLED: 'This login mode is not enabled.',
  FORBIDDEN: 'Forbidden.',
  CSRF_REJECTED: 'Cross-site request refused.',
  NOT_FOUND: 'Not found.',
  USERNAME_TAKEN: 'That username is taken.',
  PAYLOAD_TOO_LARGE: 'The request body is too large.',
  TOO_MANY_ATTEMPTS: 'Too many attempts; try again later.',
  SESSION_STORE_UNAVAILABLE: 'The service is temporarily unavailable.',
  DATABASE_UNAVAILABLE: 'The service is temporarily unavailable.',
  KEYS_UNAVAILABLE: 'The service is temporarily unavailable.',
  NOT_READY: 'The service is not ready.',
  REVOCATIONS_UNAVAILABLE: 'The service is temporarily unavailable.',
  INTERNAL: 'Something went wrong.',
};

/** An error with a stable code. `detail` is for logs only and never reaches a client. */
export class AppError extends Error {
  override readonly name = 'AppError';

  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(MESSAGES[code], options);
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  /** Sent as Retry-After (429 and 503). */
  readonly retryAfterSeconds: number | undefined;

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** The one JSON body every error response has, in every service. */
export interface ErrorBody {
  error: ErrorCode;
  message: string;
  request_id: string;
}

export function errorBody(code: ErrorCode, requestId: string): ErrorBody {
  return { error: code, message: MESSAGES[code], request_id: requestId };
}
