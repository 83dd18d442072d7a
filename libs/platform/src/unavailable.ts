import { AppError, type ErrorCode } from './app-error.js';

/**
 * Runs one store operation; any failure becomes `code` (a 503), with the library's message kept
 * for the log only. The one place a store client's error is translated for clients.
 */
export async function orUnavailable<T>(
  code: Extract<
    ErrorCode,
    'SESSION_STORE_UNAVAILABLE' | 'REVOCATIONS_UNAVAILABLE' | 'DATABASE_UNAVAILABLE'
  >,
  store: string,
  operation: () => Promise<T>,
): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError(code, `${store}: ${(error as Error).message}`, { cause: error });
  }
}
