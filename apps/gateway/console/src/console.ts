import { AdminToken } from './admin-token.js';
import { ControlsClient, type Availability, type FarmState } from './controls-client.js';
import { registerDemoUser, type DemoUser } from './demo-user.js';
import { DeviceLink } from './device-link.js';
import { byId, h } from './dom.js';
import { connectFeed } from './feed.js';
import { FarmView } from './farm-view.js';
import { showFigures } from './benchmark-figures.js';
import { MODES, type DeviceName, type Mode } from './messages.js';
import { leakedKey } from './scenario-leaked-key.js';
import { logoutEverywhere } from './scenario-logout-everywhere.js';
import { scale } from './scenario-scale.js';
import { storeOutage } from './scenario-store-outage.js';
import { unsyncedFarm } from './scenario-unsynced-farm.js';
import { ScenariosView } from './scenarios-view.js';

const FARM_POLL_MS = 5000;
const DEVICE_LOAD_MS = 10_000;
const DEFAULT_MODE: Record<DeviceName, Mode> = { laptop: 'session', phone: 'jwt' };

const CONTROLS_NOTE: Record<Availability, string> = {
  unknown: 'Checking whether this farm has its fault and scale controls…',
  on: 'Fault and scale controls are on: the scenarios below may cut stores, rotate keys and scale replicas of this farm.',
  off: 'Fault and scale controls are off: this farm answers CONSOLE_CONTROLS_OFF, because they exist only for a farm started locally (npm start) or with an admin token. The store outage, leaked key, unsynced farm and scale scenarios need them.',
  token: 'This farm was started with ADMIN_TOKEN: enter it to use the fault and scale scenarios.',
};

// The live feed: every request the gateway proxies while this page watches.
const farmView = new FarmView(
  byId('lanes', HTMLOListElement),
  byId('services', HTMLUListElement),
  byId('stores', HTMLUListElement),
  byId('feed-status', HTMLElement),
);
connectFeed('/console/events', {
  farm: (event) => farmView.updateFarm(event),
  request: (event) => farmView.addRequest(event),
  status: (status) => farmView.setFeedStatus(status),
});

// The farm controls, and the admin token when the farm asks for one.
const controlsNote = byId('controls-note', HTMLElement);
const view: { scenarios?: ScenariosView } = {};
const adminToken = new AdminToken(() => void readFarm());
const controls = new ControlsClient(adminToken, (availability, farm) => {
  controlsNote.textContent = CONTROLS_NOTE[availability];
  controlsNote.dataset.availability = availability;
  farmView.setStores(farm);
  if (availability === 'token') adminToken.ask(adminToken.value !== null);
  if (availability === 'on') adminToken.hide();
  view.scenarios?.setControls(availability);
});

function readFarm(): Promise<FarmState | null> {
  return controls.farm().catch(() => null);
}
const firstFarm = readFarm();
setInterval(() => {
  if (controls.availability === 'on') void readFarm();
}, FARM_POLL_MS);

// The two devices: one frame each, on its own host, so each has its own cookie jar.
const devices: Record<DeviceName, DeviceLink> = {
  laptop: new DeviceLink('laptop', 'Laptop'),
  phone: new DeviceLink('phone', 'Phone'),
};
const demoUserLine = byId('demo-user', HTMLElement);
const demoUser: Promise<DemoUser | null> = registerDemoUser().then(
  (user) => {
    demoUserLine.textContent = `Both devices log in as ${user.username}, a user registered for this page, so "log out everywhere" on one device ends the other's sessions too.`;
    return user;
  },
  (error: unknown) => {
    demoUserLine.textContent = `Could not register a demo user (${error instanceof Error ? error.message : String(error)}); type a username and password in each device.`;
    return null;
  },
);

// Resolved once both devices have loaded and hold the demo user; the devices panel then says
// so with data-ready="true", which a test can wait for.
const devicesPanel = byId('devices-panel', HTMLElement);
const configured = new Set<DeviceName>();
let devicesConfigured: () => void = () => undefined;
const devicesReady = new Promise<void>((resolve) => (devicesConfigured = resolve));

const onIpHost = /^[\d.]+$|^\[/.test(location.hostname);
for (const link of Object.values(devices)) {
  const slot = byId(`slot-${link.name}`, HTMLElement);
  if (onIpHost) {
    slot.append(unreachable(link));
    continue;
  }
  slot.append(link.frame);
  link.onReady(() => void configure(link));
  setTimeout(() => {
    if (!link.ready) slot.append(unreachable(link));
  }, DEVICE_LOAD_MS);
}

async function configure(link: DeviceLink): Promise<void> {
  const [user] = await Promise.all([demoUser, firstFarm]);
  const modes = controls.farmState?.modes.filter((m): m is Mode => MODES.includes(m)) ?? [...MODES];
  const preferred = DEFAULT_MODE[link.name];
  const mode = modes.includes(preferred) ? preferred : (modes[0] ?? preferred);
  if (!user) return;
  await link.call('configure', { ...user, modes, mode });
  configured.add(link.name);
  if (configured.size === Object.keys(devices).length) {
    devicesPanel.dataset.ready = 'true';
    devicesConfigured();
  }
}

function unreachable(link: DeviceLink): HTMLElement {
  return h(
    'p',
    { class: 'device-missing', role: 'status' },
    `The ${link.name} did not load from ${link.origin}. Each device needs its own host (${link.name}.${location.host}) to reach this gateway: open the console at http://farm.localhost:${location.port || '80'}/ in Chromium, which resolves *.localhost by itself (see docs/console.md).`,
  );
}

// The scenarios, each beside its claim, and their measured results.
view.scenarios = new ScenariosView(
  byId('scenarios', HTMLElement),
  byId('results', HTMLOListElement),
  byId('scenario-progress', HTMLElement),
  [logoutEverywhere, storeOutage, leakedKey, unsyncedFarm, scale],
  {
    devices,
    devicesReady: () => devicesReady,
    controls,
    replicas: async () => {
      const farm = controls.availability === 'on' ? await readFarm() : null;
      if (farm) return { names: farm.replicas.map((r) => r.name), count: farm.replicas.length };
      return { names: farmView.replicaNames(), count: farmView.laneCount() };
    },
  },
  () => void readFarm(),
);
view.scenarios.setControls(controls.availability);

void showFigures(byId('figures-body', HTMLElement));
