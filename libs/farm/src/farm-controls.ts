import type { AppConfig, SessionStoreKind } from '@authfarm/config';
import { ControlError, ControlServer } from './farm-control-server.js';
import type { Farm } from './farm.js';
import type { FaultProxy } from './fault-proxy.js';

export type StoreName = 'redis' | 'postgres';

/** What the farm runner lets the controls do to it; each resolves once the farm is settled. */
export interface FarmHooks {
  config: AppConfig;
  farm: Farm;
  proxies: ReadonlyMap<StoreName, FaultProxy>;
  adminToken: string | undefined;
  log: (line: string) => void;
  addReplica(): Promise<void>;
  removeReplica(): Promise<void>;
  /** Restarts every auth and resource process with these settings and this many auth replicas. */
  restartWith(settings: Record<string, string>, authCount: number): Promise<void>;
  keys(args: string[]): Promise<string>;
}

export interface FarmState {
  modes: string[];
  defaultMode: string;
  jwtTtlSeconds: number;
  /** How long past `exp` the replicas still accept a token (clock skew). */
  jwtLeewaySeconds: number;
  sessionStore: SessionStoreKind;
  replicas: Array<{ name: string; url: string }>;
  auths: Array<{ name: string; url: string }>;
  stores: Array<{ name: StoreName; up: boolean }>;
  busy: boolean;
}

/**
 * The console's fault and scale controls for a local farm: cut and restore a store, add and
 * remove replicas, restart with another session store, rotate and revoke signing keys. Served
 * on loopback to the gateway (CONSOLE_CONTROL_URL), one change at a time; the same operations
 * are methods for `npm run demo` and the tests. They never reach the replicas' API.
 */
export class FarmControls {
  private busy = false;
  private server: ControlServer | undefined;
  private readonly originalStore: SessionStoreKind;
  private readonly originalAuthCount: number;
  private sessionStore: SessionStoreKind;

  constructor(private readonly hooks: FarmHooks) {
    this.originalStore = hooks.config.env.SESSION_STORE;
    this.sessionStore = this.originalStore;
    this.originalAuthCount = hooks.config.env.AUTH_REPLICAS;
  }

  state(): FarmState {
    const { config, farm, proxies } = this.hooks;
    const named = (p: { name: string; url: string }) => ({ name: p.name, url: p.url });
    return {
      modes: [...config.env.AUTH_MODES],
      defaultMode: config.defaultMode,
      jwtTtlSeconds: config.env.JWT_TTL,
      jwtLeewaySeconds: config.env.JWT_LEEWAY,
      sessionStore: this.sessionStore,
      replicas: farm.replicas.map(named),
      auths: farm.auths.map(named),
      stores: (['redis', 'postgres'] as const).map((name) => ({
        name,
        up: proxies.get(name)?.up ?? true,
      })),
      busy: this.busy,
    };
  }

  /** Cuts (every connection dropped, new ones refused) or restores one store for the farm. */
  setStore(name: StoreName, up: boolean): Promise<FarmState> {
    return this.exclusive(`${name} ${up ? 'restored' : 'cut'}`, async () => {
      const proxy = this.hooks.proxies.get(name);
      if (!proxy) throw new ControlError(404, 'NOT_FOUND', `No store named ${name}.`);
      if (up && !proxy.up) await proxy.restore();
      if (!up && proxy.up) await proxy.cut();
    });
  }

  /** Adds or removes replicas until there are `count`; the gateway drains one before it stops. */
  scale(count: number): Promise<FarmState> {
    return this.exclusive(`scaled to ${count} replicas`, async () => {
      const { farm } = this.hooks;
      while (farm.replicas.length < count) await this.hooks.addReplica();
      while (farm.replicas.length > count) await this.hooks.removeReplica();
    });
  }

  /**
   * Restarts auth and every replica with another session store. `memory` is the unsynced farm:
   * one auth replica per resource replica, each keeping sessions in its own memory and each
   * resource replica asking its own auth replica.
   */
  useSessionStore(store: SessionStoreKind): Promise<FarmState> {
    return this.exclusive(`session store: ${store}`, async () => {
      const { config, farm } = this.hooks;
      if (store === this.sessionStore) return;
      const settings: Record<string, string> =
        store === 'memory'
          ? { SESSION_STORE: 'memory', SESSION_CHECK: 'introspection' }
          : { SESSION_STORE: store, SESSION_CHECK: config.env.SESSION_CHECK };
      const authCount = store === 'memory' ? farm.replicas.length : this.originalAuthCount;
      await this.hooks.restartWith(store === this.originalStore ? {} : settings, authCount);
      this.sessionStore = store;
    });
  }

  /** `npm run keys -- rotate` or `-- revoke <kid>`: resolves with the command's output. */
  async keys(
    action: 'rotate' | 'revoke',
    kid?: string,
  ): Promise<{ output: string; farm: FarmState }> {
    let output = '';
    const farm = await this.exclusive(`keys ${action}`, async () => {
      output = await this.hooks.keys(action === 'rotate' ? ['rotate'] : ['revoke', kid!]);
    });
    return { output, farm };
  }

  /** Serves the controls on loopback; resolves with the URL for CONSOLE_CONTROL_URL. */
  listen(): Promise<string> {
    this.server ??= new ControlServer(this, this.hooks.adminToken, this.hooks.log);
    return this.server.listen();
  }

  async close(): Promise<void> {
    await this.server?.close();
  }

  private async exclusive(what: string, change: () => Promise<void>): Promise<FarmState> {
    if (this.busy) {
      throw new ControlError(409, 'FARM_BUSY', 'Another change to the farm is still running.');
    }
    this.busy = true;
    try {
      await change();
      this.hooks.log(`[farm] console: ${what}`);
    } finally {
      this.busy = false;
    }
    return this.state();
  }
}
