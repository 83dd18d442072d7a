// The platform-simulation tier (issue #15). No cluster or Docker engine runs here, and the
// deployment files once passed every schema check while nothing but the gateway could start on
// Kubernetes: service links set GATEWAY_PORT=tcp://... in every pod, and nothing ordered the
// migrations before auth. So each workload of the authfarm image is started here as the real
// built process, through the image's entrypoint, with the environment and files its platform
// would give it, in the order the files impose, and must become ready on the probe its manifest
// declares and serve the README's walk-through through the gateway.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { Container, PodSpec } from 'kubernetes-types/core/v1.js';
import { NEWEST_MIGRATION } from '../../apps/auth/src/database/data-source.js';
import {
  ROOT,
  loadCompose,
  overlayNames,
  readDotenv,
  readYamlDocuments,
  renderOverlay,
  type ComposeService,
  type K8sObject,
} from '../deploy/deploy-files.js';
import { call } from '../support/http.js';
import { TestUser, bearer } from '../support/users.js';
import { imageEnv, imageHealthcheck, kubeletView, type SecretData } from './platform-env.js';
import { immutableChanges } from './immutable-fields.js';
import { ContainerProcess, Network, SimulatedRun, expectPortsFree } from './simulated-platform.js';

/** Long enough for a loaded 2-core machine to start a Nest app; a real hang still fails. */
const START_MS = 45_000;
const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'];

/** The Secrets an operator creates, as k8s/base/secrets.template.yaml shows them. */
const TEMPLATE_SECRETS: SecretData = Object.fromEntries(
  readYamlDocuments('k8s/base/secrets.template.yaml').map((secret) => [
    secret.metadata.name,
    secret.stringData ?? {},
  ]),
);

interface Pod {
  owner: K8sObject;
  spec: PodSpec;
}

const podOf = (owner: K8sObject): Pod => ({
  owner,
  spec: (owner.spec?.template as { spec: PodSpec }).spec,
});
const runsImage = (pod: Pod) =>
  [...(pod.spec.initContainers ?? []), ...pod.spec.containers].some((c) =>
    c.image?.startsWith('authfarm'),
  );

/** The container port a probe's `port` (a name or a number) points at. */
function probePort(container: Container, port: string | number | undefined): number {
  if (typeof port === 'number') return port;
  const found = container.ports?.find((p) => p.name === port);
  if (!found) throw new Error(`${container.name}: no container port named ${port}`);
  return found.containerPort;
}

/** Register, log in with the farm's first mode, GET /api/me: the README's walk-through in brief. */
async function walkThrough(gateway: string, mode: string): Promise<Record<string, unknown>> {
  const user = await TestUser.register(gateway);
  const headers =
    mode === 'session' ? await user.cookie() : bearer(await user.tokens(mode as 'jwt'));
  const me = await call(`${gateway}/api/me`, { headers });
  expect({ status: me.status, mode: me.body.mode }).toEqual({ status: 200, mode });
  return { ...me.body, servedBy: me.headers.get('x-served-by') };
}

describe.each(overlayNames())('k8s/overlays/%s on a simulated cluster', (overlay) => {
  it(
    'starts every workload with the environment kubelet gives it, ready on its declared probe',
    async () => {
      const objects = renderOverlay(overlay);
      const services = new Set(
        objects.filter((o) => o.kind === 'Service').map((o) => o.metadata.name),
      );
      const pods = objects.filter((o) => WORKLOAD_KINDS.includes(o.kind)).map(podOf);
      // Workloads of other images (the demo stores) are played by the test stores, reached by
      // the name of their Service.
      for (const pod of pods.filter((p) => !runsImage(p))) {
        expect([pod.owner.metadata.name, services.has(pod.owner.metadata.name)]).toEqual([
          pod.owner.metadata.name,
          true,
        ]);
      }
      const ours = pods.filter(runsImage);
      const declaredPorts = ours.flatMap((p) => p.spec.containers.flatMap((c) => c.ports ?? []));
      await expectPortsFree(declaredPorts.map((p) => p.containerPort));

      const run = await SimulatedRun.create(overlay);
      const { stores, files } = run;
      const network = new Network(services, stores);
      const start = (pod: Pod, container: Container): ContainerProcess => {
        const name = `${pod.owner.kind}/${pod.owner.metadata.name}/${container.name}`;
        const podName = `${pod.owner.metadata.name}-5d8f7c9b4-x2x7q`;
        const view = kubeletView(objects, pod.spec, container, TEMPLATE_SECRETS, podName);
        const env = Object.fromEntries(
          Object.entries(view.env).map(([key, value]) => [key, network.route(key, value)]),
        );
        env.REDIS_KEY_PREFIX ??= stores.keyPrefix; // the test's keys, removed after the run
        return run.start(name, container.args ?? [], files.mount(name, view.files, env));
      };
      /** Init containers one by one, each to success; then every container, ready on its probe. */
      const runPod = async (pod: Pod): Promise<void> => {
        for (const init of pod.spec.initContainers ?? []) {
          const process = start(pod, init);
          const code = await process.completes(START_MS);
          if (code !== 0) throw new Error(process.describe(`init container exited with ${code}`));
        }
        await Promise.all(
          pod.spec.containers.map(async (container) => {
            const process = start(pod, container);
            const probe = container.readinessProbe?.httpGet;
            if (!probe) throw new Error(`${process.name}: no HTTP readiness probe`);
            await process.ready(probePort(container, probe.port), probe.path ?? '/', START_MS);
            // Ready means able to serve: the schema it needs is there.
            if (container.args?.[0] === 'auth') {
              expect([process.name, await stores.migrated(NEWEST_MIGRATION)]).toEqual([
                process.name,
                true,
              ]);
            }
          }),
        );
      };
      /** A Job's pod runs to success. */
      const runJob = async (pod: Pod): Promise<void> => {
        for (const container of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
          const process = start(pod, container);
          const code = await process.completes(START_MS);
          if (code !== 0) throw new Error(process.describe(`exited with ${code}`));
        }
      };

      try {
        // Kubernetes orders nothing between workloads: a Deployment's pods may well start before
        // a Job's. So the long-running pods start first, together, and Jobs only once those are up
        // (the order the platform allows that is hardest on the files).
        await Promise.all(ours.filter((p) => p.owner.kind !== 'Job').map(runPod));
        for (const job of ours.filter((p) => p.owner.kind === 'Job')) await runJob(job);

        const gateway = ours.find((p) => p.spec.containers[0].args?.[0] === 'gateway');
        if (!gateway) throw new Error('no workload runs the gateway');
        const container = gateway.spec.containers[0];
        const port = probePort(container, container.readinessProbe?.httpGet?.port);
        const config = objects.find((o) => o.kind === 'ConfigMap')?.data ?? {};
        const mode = (config.AUTH_MODES ?? 'session').split(',')[0];
        const me = await walkThrough(`http://127.0.0.1:${port}`, mode);
        // REPLICA_ID comes from the pod's name (fieldRef): the replica that answered says so.
        expect(me.servedBy).toMatch(/^resource-/);

        // SIGTERM, as kubelet stops a pod: every process drains and exits 0.
        expect(await run.stopAll()).toEqual([]);
      } finally {
        await run.remove();
      }
    },
    4 * START_MS,
  );
});

describe('k8s/overlays applied over one another', () => {
  const overlays = overlayNames();
  const rendered = new Map(overlays.map((name) => [name, renderOverlay(name)]));
  const pairs = overlays.flatMap((a) => overlays.filter((b) => b !== a).map((b) => [a, b]));

  // `kubectl apply -k` of another overlay (docs/kubernetes.md, "switch modes") must not ask the
  // API server to change a field it refuses to change (a Job's pod template, a selector...).
  it.each(pairs)('applies %s after %s without changing an immutable field', (next, first) => {
    expect(immutableChanges(rendered.get(first) ?? [], rendered.get(next) ?? [])).toEqual([]);
  });
});

describe('docker-compose.yml on a simulated Docker host', () => {
  const example = readDotenv('.env.example');
  const compose = loadCompose(example);
  const secretsDir = mkdtempSync(join(tmpdir(), 'authfarm-compose-secrets-'));
  afterAll(() => rmSync(secretsDir, { recursive: true, force: true }));

  it('generates its secrets with scripts/gen-secrets.sh on a host without Node', () => {
    // A PATH of the usual tools, node left out.
    const bin = join(secretsDir, 'bin');
    mkdirSync(bin);
    for (const tool of [
      'sh',
      'bash',
      'cat',
      'head',
      'tr',
      'base64',
      'od',
      'mkdir',
      'chmod',
      'chown',
      'mv',
      'rm',
      'mktemp',
      'dirname',
      'id',
      'printf',
      'wc',
      'cut',
      'grep',
      'sed',
      'env',
    ]) {
      const path = execFileSync('/bin/sh', ['-c', `command -v ${tool} || true`], {
        encoding: 'utf8',
      }).trim();
      if (path.startsWith('/')) symlinkSync(path, join(bin, tool));
    }
    const run = () =>
      execFileSync('bash', [join(ROOT, 'scripts/gen-secrets.sh'), join(secretsDir, 'secrets')], {
        env: { PATH: bin },
        encoding: 'utf8',
      });
    run();
    run(); // again: keeps what it wrote
    const read = (name: string) => readFileSync(join(secretsDir, 'secrets', name), 'utf8').trim();
    expect(read('jwt-key-encryption-key')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(read('jwt-secret').length).toBeGreaterThanOrEqual(32);
    const password = read('postgres-password');
    expect(password.length).toBeGreaterThanOrEqual(16);
    expect(new URL(read('database-url')).password).toBe(password);
  });

  it(
    'starts every service in depends_on order through the image entrypoint, healthy, and serves',
    async () => {
      const generated = join(secretsDir, 'secrets');
      const ours = Object.entries(compose.services).filter(
        ([, service]) => service.image === example.AUTHFARM_IMAGE && !service.profiles?.length,
      );
      const names = new Set(Object.keys(compose.services));
      await expectPortsFree(
        ours.flatMap(([, s]) => (s.ports ?? []).map((p) => Number(p.split(':').at(-1)))),
      );
      const run = await SimulatedRun.create('compose');
      const { stores, files } = run;
      const started = new Map<string, Promise<ContainerProcess | undefined>>();
      /** Each service's container environment, computed and its files written once. */
      const environments = new Map<string, Record<string, string>>();

      /** The environment and files Docker gives a service's container. */
      const containerOf = (name: string, service: ComposeService) => {
        // Names resolve only to services on a network this one is attached to.
        const networks = new Set(service.networks ?? ['default']);
        const reachable = new Set(
          [...names].filter((other) =>
            (compose.services[other].networks ?? ['default']).some((n) => networks.has(n)),
          ),
        );
        const network = new Network(reachable, stores);
        const env: Record<string, string> = { ...imageEnv(), HOSTNAME: `authfarm-${name}-1` };
        for (const [key, value] of Object.entries(service.environment ?? {})) {
          env[key] = network.route(key, String(value));
        }
        env.REDIS_KEY_PREFIX ??= stores.keyPrefix;
        const mounted: Record<string, string> = {};
        for (const secret of service.secrets ?? []) {
          const source = compose.secrets[secret].file.replace(/^\.\/secrets\//, '');
          let content = readFileSync(join(generated, source), 'utf8');
          if (secret === 'database_url') {
            // The URL the script wrote must carry the password the script gave Postgres.
            expect(new URL(content).password).toBe(
              readFileSync(join(generated, 'postgres-password'), 'utf8'),
            );
            content = network.route(secret, content.trim());
          }
          mounted[`/run/secrets/${secret}`] = content;
        }
        return files.mount(name, mounted, env);
      };

      const up = (name: string): Promise<ContainerProcess | undefined> => {
        let promise = started.get(name);
        if (!promise) {
          promise = launch(name);
          started.set(name, promise);
        }
        return promise;
      };
      /** Waits for the conditions of depends_on, then starts the service (and keeps restarting). */
      const launch = async (name: string): Promise<ContainerProcess | undefined> => {
        const service = compose.services[name];
        for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
          const process = await up(dependency);
          if (!process) continue; // a store: the test stores are up and healthy
          if (condition === 'service_completed_successfully') {
            const code = await process.completes(START_MS);
            if (code !== 0) throw new Error(process.describe(`exited with ${code}`));
          } else if (condition === 'service_healthy') {
            await healthy(dependency, process);
          }
        }
        if (service.image !== example.AUTHFARM_IMAGE) return undefined;
        const env = containerOf(name, service);
        environments.set(name, env);
        return run.start(`compose/${name}`, service.command ?? [], env);
      };
      const healthy = async (name: string, process: ContainerProcess) => {
        const check = (compose.services[name] as { healthcheck?: { disable?: boolean } })
          .healthcheck;
        if (check?.disable)
          throw new Error(`${name} is waited on as healthy but has no healthcheck`);
        await process.healthy(imageHealthcheck(), environments.get(name) ?? {}, START_MS);
      };

      try {
        const gateway = await up('gateway');
        if (!gateway) throw new Error('the gateway does not run the authfarm image');
        await healthy('gateway', gateway);
        const port = Number(compose.services.gateway.ports?.[0].split(':').at(-1));
        const me = await walkThrough(`http://127.0.0.1:${port}`, example.AUTH_MODES.split(',')[0]);
        // REPLICA_ID from the container's hostname (the entrypoint's fallback), not the default.
        expect(me.servedBy).not.toBe('resource-1');
        const migrate = run.running.find((p) => p.name === 'compose/migrate');
        expect(migrate?.running).toBe(false);
        expect(await run.stopAll()).toEqual([]);
      } finally {
        await run.remove();
      }
    },
    4 * START_MS,
  );
});
