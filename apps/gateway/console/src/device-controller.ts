import { DeviceApi, type Outcome } from './device-api.js';
import { Traffic } from './device-traffic.js';
import type { DeviceView } from './device-view.js';
import { shortKid } from './jwt-decode.js';
import type { ActionResult, DeviceName, DeviceState, MeResult, Mode } from './messages.js';

/** What a device does, for its own buttons and for the top page's commands alike. */
export class DeviceController {
  private readonly api = new DeviceApi();
  readonly traffic: Traffic;

  constructor(
    readonly device: DeviceName,
    private readonly view: DeviceView,
  ) {
    this.traffic = new Traffic(
      () => this.api.me(),
      (result) => view.showResult(result),
    );
  }

  state(): DeviceState {
    return {
      device: this.device,
      username: this.view.username.value,
      selectedMode: this.view.selectedMode(),
      credential: this.api.state,
      token: this.api.token,
      rate: this.traffic.rate,
    };
  }

  async login(mode: Mode = this.view.selectedMode()): Promise<ActionResult> {
    this.view.selectMode(mode);
    const username = this.view.username.value.trim();
    this.view.say(`Logging in as ${username} (${mode})…`);
    const outcome = await this.api.login(username, this.view.password.value, mode);
    if (outcome.status === 200) {
      const token = this.api.token;
      this.view.say(
        mode === 'session'
          ? `Logged in as ${username} (session). The browser holds the __Host-sid cookie for this host; this page's JavaScript cannot read it.`
          : `Logged in as ${username} (${mode}). Access token kid ${shortKid(token?.kid ?? null)}, kept in this page's memory and sent as Authorization: Bearer.`,
      );
    } else {
      this.view.say(`Login failed: ${describe(outcome)}.`);
    }
    return this.finish(outcome);
  }

  async refresh(): Promise<ActionResult> {
    const outcome = await this.api.refresh();
    if (outcome === 'no-token') {
      this.view.say(
        this.api.mode === 'session'
          ? 'Session mode has no token to refresh: the cookie stays valid while it is used.'
          : 'Nothing to refresh: log in with jwt or hybrid first.',
      );
      return { status: 0, error: 'NO_REFRESH_TOKEN', at: 0, state: this.state() };
    }
    this.view.say(
      outcome.status === 200
        ? `Refreshed: a new access token (kid ${shortKid(this.api.token?.kid ?? null)}) and a new refresh token; the old refresh token is spent.`
        : `Refresh refused: ${describe(outcome)}.`,
    );
    return this.finish(outcome);
  }

  async logout(): Promise<ActionResult> {
    const mode = this.api.mode;
    const outcome = await this.api.logout();
    this.view.say(
      outcome.status === 204
        ? `Logged out. ${afterEnd(mode)}`
        : `Log out failed: ${describe(outcome)}.`,
    );
    return this.finish(outcome);
  }

  async logoutAll(): Promise<ActionResult> {
    const mode = this.api.mode;
    const outcome = await this.api.logoutAll();
    this.view.say(
      outcome.status === 204
        ? `Logged out everywhere: every session of ${this.view.username.value}, in every mode, has ended. ${afterEnd(mode)}`
        : `Log out everywhere failed: ${describe(outcome)}.`,
    );
    return this.finish(outcome);
  }

  setRate(rate: number): DeviceState {
    this.traffic.setRate(rate);
    this.view.showRate(this.traffic.rate);
    return this.state();
  }

  burst(count: number, concurrency?: number): Promise<MeResult[]> {
    return this.traffic.burst(count, concurrency);
  }

  private finish(outcome: Outcome): ActionResult {
    const state = this.state();
    this.view.showToken(state.token, state.credential?.ended ?? false);
    return { status: outcome.status, error: outcome.error, at: outcome.at, state };
  }
}

function describe(outcome: Outcome): string {
  if (outcome.status === 0) return `no answer (${outcome.error ?? 'network error'})`;
  return `${outcome.status} ${outcome.error ?? ''}`.trim();
}

function afterEnd(mode: Mode | null): string {
  switch (mode) {
    case 'session':
      return 'The server deleted the session record and cleared the cookie.';
    case 'jwt':
      return 'Refreshes end now. The access token stays valid until exp: it is kept here so you can watch the replicas accept it.';
    case 'hybrid':
      return 'The replicas were told, and refuse the access token within the propagation bound; it is kept here so you can watch.';
    default:
      return '';
  }
}
