import { DeviceController } from './device-controller.js';
import { DeviceView } from './device-view.js';
import {
  deviceNameOf,
  isCommandMessage,
  parentOriginOf,
  type CommandMessage,
  type Commands,
  type DeviceMessage,
} from './messages.js';

// A device page: one per host (laptop.<host>, phone.<host>), so one cookie jar each.
const name = deviceNameOf(location);
const label = name ? `${name[0].toUpperCase()}${name.slice(1)}` : 'Device';
const view = new DeviceView();
const controller = new DeviceController(name ?? 'laptop', view);
view.setName(label, location.origin);
view.username.value = `${name ?? 'device'}-${Math.random().toString(36).slice(2, 8)}`;

view.form.addEventListener('submit', (event) => {
  event.preventDefault();
  void controller.login();
});
view.buttons.refresh.addEventListener('click', () => void controller.refresh());
view.buttons.logout.addEventListener('click', () => void controller.logout());
view.buttons.logoutAll.addEventListener('click', () => void controller.logoutAll());
view.buttons.start.addEventListener('click', () => {
  const rate = Number(view.rate.value);
  if (!(rate > 0)) view.say('Set a rate between 1 and 20 requests per second first.');
  controller.setRate(rate);
});
view.buttons.stop.addEventListener('click', () => controller.setRate(0));

type Handlers = {
  [N in keyof Commands]: (
    args: Commands[N]['args'],
  ) => Commands[N]['result'] | Promise<Commands[N]['result']>;
};

const handlers: Handlers = {
  configure: ({ username, password, modes, mode }) => {
    view.username.value = username;
    view.password.value = password;
    view.setModes(modes, mode);
    return controller.state();
  },
  login: ({ mode }) => controller.login(mode),
  refresh: () => controller.refresh(),
  logout: () => controller.logout(),
  logoutAll: () => controller.logoutAll(),
  traffic: ({ rate }) => controller.setRate(rate),
  burst: ({ count, concurrency }) => controller.burst(count, concurrency),
  results: ({ since }) => controller.traffic.since(since),
  state: () => controller.state(),
};

// Commands are taken only from the top page of this farm: same parent window, exact origin.
if (name && window.parent !== window) {
  const parentOrigin = parentOriginOf(location);
  const post = (message: DeviceMessage) => window.parent.postMessage(message, parentOrigin);

  window.addEventListener('message', async (event: MessageEvent<unknown>) => {
    if (event.origin !== parentOrigin || event.source !== window.parent) return;
    if (!isCommandMessage(event.data)) return;
    const { id } = event.data;
    try {
      const value = await run(event.data);
      post({ type: 'reply', id, ok: true, value });
    } catch (error) {
      post({ type: 'reply', id, ok: false, error: String(error) });
    }
  });
  post({ type: 'ready', device: name });
}

function run(message: CommandMessage): unknown {
  const handler = handlers[message.name] as (args: unknown) => unknown;
  return handler(message.args);
}
