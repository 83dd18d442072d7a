import { byId, h } from './dom.js';
import type { TokenView } from './jwt-decode.js';
import { isMode, type MeResult, type Mode } from './messages.js';
import { clockTime, formatMs, now } from './time.js';

const RECENT = 6;
const HEADER_FIELDS = ['alg', 'kid', 'typ'];
const TIME_CLAIMS = new Set(['iat', 'exp', 'nbf']);

/** The device page's DOM: its form, status line, token panel and answers. */
export class DeviceView {
  readonly form = byId('login-form', HTMLFormElement);
  readonly username = byId('username', HTMLInputElement);
  readonly password = byId('password', HTMLInputElement);
  readonly mode = byId('mode', HTMLSelectElement);
  readonly rate = byId('rate', HTMLInputElement);
  readonly buttons = {
    refresh: byId('refresh', HTMLButtonElement),
    logout: byId('logout', HTMLButtonElement),
    logoutAll: byId('logout-all', HTMLButtonElement),
    start: byId('start', HTMLButtonElement),
    stop: byId('stop', HTMLButtonElement),
  };
  private readonly status = byId('status', HTMLElement);
  private readonly trafficState = byId('traffic-state', HTMLElement);
  private readonly tokenPanel = byId('token-panel', HTMLElement);
  private readonly countdown = byId('countdown', HTMLElement);
  private readonly life = byId('token-life', HTMLProgressElement);
  private readonly claims = byId('claims', HTMLElement);
  private readonly recent = byId('recent', HTMLOListElement);
  private readonly counts = {
    ok: byId('count-200', HTMLElement),
    refused: byId('count-401', HTMLElement),
    failed: byId('count-503', HTMLElement),
    other: byId('count-other', HTMLElement),
  };
  private readonly tally: Record<Verdict, number> = { ok: 0, refused: 0, failed: 0, other: 0 };
  private queued: MeResult[] = [];
  private token: { view: TokenView; ended: boolean } | null = null;

  constructor() {
    setInterval(() => this.tickCountdown(), 100);
  }

  setName(label: string, origin: string): void {
    byId('device-name', HTMLElement).textContent = label;
    byId('device-origin', HTMLElement).textContent = origin;
    document.title = `${label} · authfarm console`;
  }

  setModes(modes: readonly Mode[], selected: Mode): void {
    this.mode.replaceChildren(...modes.map((mode) => h('option', { value: mode }, mode)));
    this.selectMode(selected);
  }

  selectMode(mode: Mode): void {
    if ([...this.mode.options].some((option) => option.value === mode)) this.mode.value = mode;
  }

  selectedMode(): Mode {
    return isMode(this.mode.value) ? this.mode.value : 'session';
  }

  say(text: string): void {
    this.status.textContent = text;
  }

  showRate(rate: number): void {
    if (rate > 0) this.rate.value = String(rate);
    this.trafficState.textContent = rate > 0 ? `running at ${rate}/s` : 'stopped';
  }

  showToken(view: TokenView | null, ended: boolean): void {
    this.token = view ? { view, ended } : null;
    this.tokenPanel.hidden = !view;
    if (!view) return;
    const row = (name: string, value: string) =>
      h('div', { class: 'claim-row' }, h('dt', {}, name), h('dd', {}, value));
    const header = HEADER_FIELDS.filter((name) => name in view.header)
      .map((name) => `${name} ${describe(name, view.header[name])}`)
      .join(', ');
    const rows = [
      row('header', header),
      ...Object.entries(view.claims).map(([name, value]) => row(name, describe(name, value))),
    ];
    this.claims.replaceChildren(...rows);
    this.tickCountdown();
  }

  /** Counts an answer now and draws it at the next frame, so drawing never delays a request. */
  showResult(result: MeResult): void {
    this.tally[verdictOf(result.status)]++;
    this.queued.push(result);
    if (this.queued.length > RECENT) this.queued.shift();
    if (this.queued.length === 1) requestAnimationFrame(() => this.renderResults());
  }

  private renderResults(): void {
    for (const [key, element] of Object.entries(this.counts) as Array<[Verdict, HTMLElement]>) {
      element.textContent = String(this.tally[key]);
    }
    const rows = this.queued.map((result) =>
      h(
        'li',
        { class: `answer answer-${verdictOf(result.status)}` },
        h('span', { class: 'answer-replica' }, result.replica ?? 'no replica'),
        h(
          'span',
          { class: 'answer-status' },
          result.error ? `${result.status} ${result.error}` : String(result.status || '—'),
        ),
        h('span', { class: 'answer-ms' }, formatMs(result.ms)),
      ),
    );
    this.queued = [];
    this.recent.prepend(...rows.reverse());
    while (this.recent.children.length > RECENT) this.recent.lastElementChild?.remove();
  }

  private tickCountdown(): void {
    const token = this.token;
    if (!token || token.view.exp === null) {
      this.countdown.textContent = token ? 'This token has no exp claim.' : '';
      return;
    }
    const expMs = token.view.exp * 1000;
    const left = expMs - now();
    const total = token.view.iat !== null ? expMs - token.view.iat * 1000 : 0;
    this.life.value = total > 0 ? Math.max(0, Math.min(1000, (left / total) * 1000)) : 0;
    this.life.textContent = `${Math.round(this.life.value / 10)}%`;
    const ended = token.ended
      ? ' Logged out: the token is kept here to show what a copy can do.'
      : '';
    this.countdown.textContent =
      left > 0
        ? `Expires in ${(left / 1000).toFixed(1)} s (exp ${clockTime(expMs)}).${ended}`
        : `Expired ${(-left / 1000).toFixed(1)} s ago (exp ${clockTime(expMs)}).${ended}`;
  }
}

function describe(name: string, value: unknown): string {
  if (TIME_CLAIMS.has(name) && typeof value === 'number') {
    return `${value} (${clockTime(value * 1000)})`;
  }
  if (name === 'kid' && typeof value === 'string') return value;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

type Verdict = 'ok' | 'refused' | 'failed' | 'other';

function verdictOf(status: number): Verdict {
  if (status === 200) return 'ok';
  if (status === 401) return 'refused';
  return status === 503 ? 'failed' : 'other';
}
