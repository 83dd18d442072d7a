import { loadConfigOrExit } from '@authfarm/config';
import { createHttpApp, listen } from '@authfarm/platform';
import { RevocationState, redisTransport } from '@authfarm/revocation';
import { AppModule } from './app.module.js';

const config = loadConfigOrExit('resource');
const app = await createHttpApp(AppModule.forRoot(config), config, {
  always: { 'x-served-by': config.env.REPLICA_ID },
});
// Pushed revocations: a Redis pub/sub subscription through Nest's microservice transport.
const events = app.connectMicroservice(redisTransport(config.env.REDIS_URL), {
  inheritAppConfig: true,
});
app.get(RevocationState).watch(events.status);
await app.startAllMicroservices();
await listen(app, config, config.env.PORT);
