import { loadConfigOrExit } from '@authfarm/config';
import { createHttpApp, listen } from '@authfarm/platform';
import { AppModule } from './app.module.js';

const config = loadConfigOrExit('auth');
const app = await createHttpApp(AppModule.forRoot(config), config);
await listen(app, config, config.env.PORT);
