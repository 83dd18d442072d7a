import { z } from 'zod';
import { AUTH_MODES } from '@authfarm/config';

/** 3-64 characters of [A-Za-z0-9._-]. */
export const USERNAME = z.string().regex(/^[A-Za-z0-9._-]{3,64}$/, 'invalid username');
/** 8-128 characters (OWASP: allow long passphrases, cap to bound hashing cost). */
export const PASSWORD = z.string().min(8, 'password too short').max(128, 'password too long');

export const registerSchema = z.strictObject({ username: USERNAME, password: PASSWORD });
export type RegisterDto = z.output<typeof registerSchema>;

// Login accepts any string up to the caps: a shape rule must not tell which accounts exist.
export const loginSchema = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(128),
  mode: z.enum(AUTH_MODES).optional(),
});
export type LoginDto = z.output<typeof loginSchema>;

export const refreshSchema = z.strictObject({ refresh_token: z.string().min(1).max(256) });
export type RefreshDto = z.output<typeof refreshSchema>;
