export { startFarm, type Farm, type FarmOptions } from './farm.js';
export { MAX_REPLICAS } from './farm-control-server.js';
export { FarmControls, type FarmHooks, type FarmState, type StoreName } from './farm-controls.js';
export { FaultProxy } from './fault-proxy.js';
export {
  spawnService,
  waitReady,
  type ExitStatus,
  type ServiceProcess,
  type SpawnOptions,
} from './service-process.js';
export {
  StoreSetupError,
  ensurePostgres,
  ensureRedis,
  findFreePort,
  stopChild,
  type StoreHandle,
} from './stores.js';
