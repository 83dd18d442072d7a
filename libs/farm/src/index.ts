export { startFarm, type Farm, type FarmOptions } from './farm.js';
export {
  FarmControls,
  MAX_REPLICAS,
  type FarmHooks,
  type FarmState,
  type StoreName,
} from './farm-controls.js';
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
