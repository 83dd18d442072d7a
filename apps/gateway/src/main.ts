import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfigOrExit } from '@authfarm/config';
import { PinoNestLogger, createLogger, exitOnUncaught, reportListening } from '@authfarm/platform';
import { GatewayModule } from './gateway.module.js';
import { ProxyServer } from './proxy/proxy.server.js';
import { Routes } from './upstreams/routes.js';

const config = loadConfigOrExit('gateway');
const logger = createLogger(config);
exitOnUncaught(logger);
const app = await NestFactory.createApplicationContext(GatewayModule.forRoot(config, logger), {
  logger: new PinoNestLogger(logger),
});
const proxy = app.get(ProxyServer);
const port = await proxy.listen(config.env.GATEWAY_PORT, config.env.HOST);
new Logger('gateway').log(`listening on http://${config.env.HOST}:${port}`);

// The local farm runner (the parent that forked this process) changes the members when the
// console scales or restarts the farm. No request can: IPC exists only for a forked child.
const routes = app.get(Routes);
process.on(
  'message',
  (message: { type?: string; id?: string; auth?: unknown; resource?: unknown }) => {
    const urls = (v: unknown) =>
      Array.isArray(v) && v.every((u) => typeof u === 'string' && URL.canParse(u))
        ? (v as string[])
        : undefined;
    const auth = urls(message.auth);
    const resource = urls(message.resource);
    if (message.type !== 'upstreams' || !auth || !resource) return;
    void routes
      .apply({ auth, resource }, config.env.UPSTREAM_TIMEOUT_MS)
      .then(() => process.send?.({ type: 'upstreams-applied', id: message.id }));
  },
);

// Drain: stop accepting, let in-flight requests finish, then exit.
const shutdown = () => proxy.close().then(() => app.close());
reportListening(port, shutdown);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void shutdown().then(() => process.exit(0)));
}
