import 'reflect-metadata';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { loadConfigOrExit } from '@authfarm/config';
import { dataSourceOptions } from './database/data-source.js';

/** `npm run migrate`: applies pending migrations once (compose and Kubernetes run this as a job). */
const config = loadConfigOrExit('migrate');
// The services' line shape (docs/logging.md) with pino alone: @authfarm/platform would load Nest
// and Fastify too, a second and a half more for every farm start.
const logger = pino({
  level: config.env.LOG_LEVEL,
  base: { service: 'migrate', pid: process.pid },
  formatters: { level: (label) => ({ level: label }) },
});
const dataSource = new DataSource(dataSourceOptions(config));
await dataSource.initialize();
const applied = await dataSource.runMigrations({ transaction: 'each' });
logger.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
await dataSource.destroy();
