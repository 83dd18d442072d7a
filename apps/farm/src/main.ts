import { startFarm } from '@authfarm/farm';

// The local farm: `npm start`. Ctrl-C or SIGTERM stops every child process.
const farm = await startFarm({
  env: process.env,
  secretsDir: '.farm/secrets',
  controls: true,
}).catch((error: Error) => {
  process.stderr.write(`authfarm: ${error.message}\n`);
  process.exit(1);
});
const env = farm.config.env;
process.stdout.write(
  [
    '',
    `authfarm is up: ${farm.gatewayUrl}`,
    `  console: open ${farm.gatewayUrl}/ in Chromium or Firefox (docs/console.md)`,
    `  modes: ${env.AUTH_MODES.join(', ')} (default ${farm.config.defaultMode})`,
    `  session store: ${env.SESSION_STORE}   jwt: ${env.JWT_ALG}, ttl ${env.JWT_TTL}s`,
    `  auth ${farm.auth.url}; ${farm.replicas.length} resource replicas: ${farm.replicas.map((r) => r.url).join(' ')}`,
    '  Ctrl-C to stop',
    '',
  ].join('\n'),
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n[farm] ${signal}: stopping every service\n`);
    void farm.stop().then(() => process.exit(0));
  });
}
