import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfigOrExit } from '@authfarm/config';
import { PinoNestLogger, createLogger, exitOnUncaught, reportListening } from '@authfarm/platform';
import { GatewayModule } from './gateway.module.js';
import { ProxyServer } from './proxy/proxy.server.js';

const config = loadConfigOrExit('gateway');
const logger = createLogger(config);
exitOnUncaught(logger);
const app = await NestFactory.createApplicationContext(GatewayModule.forRoot(config, logger), {
  logger: new PinoNestLogger(logger),
});
const proxy = app.get(ProxyServer);
const port = await proxy.listen(config.env.GATEWAY_PORT, config.env.HOST);
new Logger('gateway').log(`listening on http://${config.env.HOST}:${port}`);

// Drain: stop accepting, let in-flight requests finish, then exit.
const shutdown = () => proxy.close().then(() => app.close());
reportListening(port, shutdown);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void shutdown().then(() => process.exit(0)));
}
