import type { ErrorCode } from '@authfarm/platform';

/** The errors the gateway answers itself, each with a generic message that leaks nothing. */
export type GatewayErrorCode =
  | Extract<ErrorCode, 'NOT_FOUND' | 'PAYLOAD_TOO_LARGE'>
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'BAD_GATEWAY';

export const GATEWAY_ERROR_MESSAGES: Record<GatewayErrorCode, string> = {
  NOT_FOUND: 'Not found.',
  PAYLOAD_TOO_LARGE: 'The request body is too large.',
  UPSTREAM_UNAVAILABLE: 'No server is available to handle the request.',
  UPSTREAM_TIMEOUT: 'The server did not answer in time.',
  BAD_GATEWAY: 'The server could not complete the request.',
};
