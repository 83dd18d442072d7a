import { loadConfigOrExit } from '@authfarm/config';
import { createHttpApp, listen } from '@authfarm/platform';
import { AppModule } from './app.module.js';

const config = loadConfigOrExit('resource');
const app = await createHttpApp(AppModule.forRoot(config), config);
const replica = config.env.REPLICA_ID;
app
  .getHttpAdapter()
  .getInstance()
  .addHook('onSend', async (_request, reply) => {
    void reply.header('x-served-by', replica);
  });
await listen(app, config, config.env.PORT);
