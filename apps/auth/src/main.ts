import { Transport } from '@nestjs/microservices';
import { loadConfigOrExit } from '@authfarm/config';
import { createHttpApp, listen } from '@authfarm/platform';
import { RevocationState, redisTransport } from '@authfarm/revocation';
import { AppModule } from './app.module.js';

const config = loadConfigOrExit('auth');
// Responses of the auth service carry credentials or account data: never cached by default.
const app = await createHttpApp(AppModule.forRoot(config), config, {
  ifAbsent: { 'cache-control': 'no-store' },
});
// Revocation events (the auth service checks hybrid tokens too), and session.validate over TCP.
const events = app.connectMicroservice(redisTransport(config.env.REDIS_URL), {
  inheritAppConfig: true,
});
app.get(RevocationState).watch(events.status);
if (config.env.INTROSPECTION_PORT > 0) {
  app.connectMicroservice({
    transport: Transport.TCP,
    options: { host: config.env.HOST, port: config.env.INTROSPECTION_PORT },
  });
}
await app.startAllMicroservices();
await listen(app, config, config.env.PORT);
