/** The stores and names every test uses: its own database and key prefix, never the farm's. */
export const TEST_DATABASE = 'authfarm_test';

export function testEnv(): { redisUrl: string; databaseUrl: string; keyPrefix: string } {
  return {
    redisUrl: process.env.AUTHFARM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    databaseUrl:
      process.env.AUTHFARM_TEST_DATABASE_URL ??
      `postgres://postgres@127.0.0.1:5432/${TEST_DATABASE}`,
    keyPrefix: `authfarm-test:${process.env.AUTHFARM_TEST_RUN ?? 'local'}:`,
  };
}
