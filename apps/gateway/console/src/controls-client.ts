import type { Mode } from './messages.js';

export type StoreName = 'redis' | 'postgres';
export type SessionStoreKind = StoreName | 'memory';

/** `GET /console/api/farm`: what the local farm runs. */
export interface FarmState {
  modes: Mode[];
  defaultMode: Mode;
  jwtTtlSeconds: number;
  /** Optional: the replicas' clock leeway for exp; 5 s (the default) when not reported. */
  jwtLeewaySeconds?: number;
  sessionStore: SessionStoreKind;
  replicas: Array<{ name: string; url: string }>;
  auths: Array<{ name: string; url: string }>;
  stores: Array<{ name: StoreName; up: boolean }>;
  busy: boolean;
}

/** `on`: controls answer; `off`: CONSOLE_CONTROLS_OFF (not a local farm); `token`: need ADMIN_TOKEN. */
export type Availability = 'unknown' | 'on' | 'off' | 'token';

export class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Array<{ field: string; problem: string }> = [],
  ) {
    super(message);
  }

  /** The message a person reads: the code's meaning, with the offending fields. */
  describe(): string {
    const fields = this.fields.map((f) => `${f.field}: ${f.problem}`).join('; ');
    return `${this.message} (${this.code}${fields ? `; ${fields}` : ''})`;
  }
}

export interface TokenSource {
  readonly value: string | null;
}

/** Each change restarts or re-wires processes; a few seconds is normal, a minute is not. */
const TIMEOUT_MS = 90_000;

/** The farm controls, `/console/api/*` on the top page's origin. */
export class ControlsClient {
  private current: Availability = 'unknown';
  private state: FarmState | null = null;

  constructor(
    private readonly token: TokenSource,
    private readonly onChange: (availability: Availability, farm: FarmState | null) => void,
  ) {}

  get availability(): Availability {
    return this.current;
  }

  get farmState(): FarmState | null {
    return this.state;
  }

  farm(): Promise<FarmState> {
    return this.call<FarmState>('GET', 'farm');
  }

  setStore(store: StoreName, up: boolean): Promise<FarmState> {
    return this.call<FarmState>('POST', `stores/${store}`, { up });
  }

  setReplicas(count: number): Promise<FarmState> {
    return this.call<FarmState>('POST', 'replicas', { count });
  }

  rotateKey(): Promise<{ output: string; farm: FarmState }> {
    return this.call('POST', 'keys/rotate', {});
  }

  revokeKey(kid: string): Promise<{ output: string; farm: FarmState }> {
    return this.call('POST', 'keys/revoke', { kid });
  }

  useSessionStore(store: SessionStoreKind): Promise<FarmState> {
    return this.call<FarmState>('POST', 'session-store', { store });
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const token = this.token.value;
    if (token) headers.authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await fetch(`/console/api/${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new ControlError(0, 'NO_ANSWER', `The farm controls did not answer (${String(error)})`);
    }
    const json: unknown = await response.json().catch(() => null);
    if (!response.ok) throw this.failure(response.status, json);
    this.update('on', farmOf(json));
    return json as T;
  }

  private failure(status: number, json: unknown): ControlError {
    const body = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
    const code = typeof body.error === 'string' ? body.error : `HTTP_${status}`;
    const message =
      typeof body.message === 'string' ? body.message : `The farm answered ${status}.`;
    const fields = Array.isArray(body.fields) ? (body.fields as ControlError['fields']) : [];
    if (code === 'CONSOLE_CONTROLS_OFF' || (status === 404 && this.current === 'unknown')) {
      this.update('off', null);
    } else if (code === 'ADMIN_TOKEN_REQUIRED') {
      this.update('token', null);
    }
    return new ControlError(status, code, message, fields);
  }

  private update(availability: Availability, farm: FarmState | null): void {
    this.current = availability;
    if (farm) this.state = farm;
    if (availability !== 'on') this.state = null;
    this.onChange(availability, this.state);
  }
}

function farmOf(json: unknown): FarmState | null {
  if (typeof json !== 'object' || json === null) return null;
  const record = json as Record<string, unknown>;
  if (Array.isArray(record.replicas)) return json as FarmState;
  return farmOf(record.farm);
}
