import type { TokenView } from './jwt-decode.js';

/**
 * The messages between the top page and the two device frames. Each device runs on its own
 * host (`laptop.<host>`, `phone.<host>`), so it has its own cookie jar; the two sides talk only
 * through `postMessage` with an explicit target origin, and each checks `event.origin` and
 * `event.source` of what it receives.
 */
export const DEVICES = ['laptop', 'phone'] as const;
export type DeviceName = (typeof DEVICES)[number];

export const MODES = ['session', 'jwt', 'hybrid'] as const;
export type Mode = (typeof MODES)[number];

export function isDeviceName(value: unknown): value is DeviceName {
  return DEVICES.includes(value as DeviceName);
}

export function isMode(value: unknown): value is Mode {
  return MODES.includes(value as Mode);
}

/** A device's own name: the first label of its host, or null when it is not on a device host. */
export function deviceNameOf(location: Location): DeviceName | null {
  const label = location.hostname.split('.')[0];
  return isDeviceName(label) ? label : null;
}

/** The top page's origin, seen from a device: the device's host without its first label. */
export function parentOriginOf(location: Location): string {
  const host = location.host;
  return `${location.protocol}//${host.slice(host.indexOf('.') + 1)}`;
}

/** A device's origin, seen from the top page. */
export function deviceOriginOf(location: Location, device: DeviceName): string {
  return `${location.protocol}//${device}.${location.host}`;
}

/** One answer of `GET /api/me`, timed in epoch ms (see time.ts). */
export interface MeResult {
  sent: number;
  at: number;
  status: number;
  ms: number;
  /** From the `x-served-by` header; null when no replica answered. */
  replica: string | null;
  /** The error code of a 4xx/5xx body, e.g. SESSION_INVALID. */
  error: string | null;
}

export interface DeviceState {
  device: DeviceName;
  username: string;
  /** The mode chosen in the device's Mode select. */
  selectedMode: Mode;
  /** The credential the device holds; `ended` once it logged out (a token is kept to show it). */
  credential: { mode: Mode; ended: boolean } | null;
  token: TokenView | null;
  /** Requests per second of the running /api/me traffic; 0 when stopped. */
  rate: number;
}

export interface ActionResult {
  status: number;
  error: string | null;
  /** When the answer arrived, epoch ms. */
  at: number;
  state: DeviceState;
}

type NoArgs = Record<string, never>;

/** What the top page can ask a device to do, and what each answers. */
export interface Commands {
  configure: {
    args: { username: string; password: string; modes: Mode[]; mode: Mode };
    result: DeviceState;
  };
  login: { args: { mode: Mode }; result: ActionResult };
  refresh: { args: NoArgs; result: ActionResult };
  logout: { args: NoArgs; result: ActionResult };
  logoutAll: { args: NoArgs; result: ActionResult };
  traffic: { args: { rate: number }; result: DeviceState };
  /** `count` requests, `concurrency` at a time (default 1: one after another). */
  burst: { args: { count: number; concurrency?: number }; result: MeResult[] };
  /** Every answer the device recorded (traffic and bursts) sent at or after `since`. */
  results: { args: { since: number }; result: MeResult[] };
  state: { args: NoArgs; result: DeviceState };
}
export type CommandName = keyof Commands;

export interface CommandMessage<N extends CommandName = CommandName> {
  type: 'command';
  id: number;
  name: N;
  args: Commands[N]['args'];
}

export type DeviceMessage =
  | { type: 'ready'; device: DeviceName }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string };

const COMMAND_NAMES: readonly string[] = [
  'configure',
  'login',
  'refresh',
  'logout',
  'logoutAll',
  'traffic',
  'burst',
  'results',
  'state',
] satisfies CommandName[];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export function isCommandMessage(value: unknown): value is CommandMessage {
  return (
    isRecord(value) &&
    value.type === 'command' &&
    typeof value.id === 'number' &&
    COMMAND_NAMES.includes(value.name as string) &&
    isRecord(value.args)
  );
}

export function isDeviceMessage(value: unknown): value is DeviceMessage {
  if (!isRecord(value)) return false;
  if (value.type === 'ready') return isDeviceName(value.device);
  return value.type === 'reply' && typeof value.id === 'number' && typeof value.ok === 'boolean';
}
