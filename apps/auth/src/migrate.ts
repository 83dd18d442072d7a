import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfigOrExit } from '@authfarm/config';
import { dataSourceOptions } from './database/data-source.js';

/** `npm run migrate`: applies pending migrations once (compose and Kubernetes run this as a job). */
const config = loadConfigOrExit('migrate');
const dataSource = new DataSource(dataSourceOptions(config));
await dataSource.initialize();
const applied = await dataSource.runMigrations({ transaction: 'each' });
console.log(`migrations applied: ${applied.map((m) => m.name).join(', ') || 'none pending'}`);
await dataSource.destroy();
