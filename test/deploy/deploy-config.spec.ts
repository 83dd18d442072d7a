// Guards the contract between the deployment files and the code: a manifest or compose service
// that names a variable the schema does not know, leaves a laptop default (127.0.0.1, port 0) in
// a container, or probes a path the app does not serve deploys fine and then never gets ready.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import type { Container, PodSpec } from 'kubernetes-types/core/v1.js';
import type { NetworkPolicySpec } from 'kubernetes-types/networking/v1.js';
import { AppConfig, envSchema, type ServiceName } from '@authfarm/config';
import { HealthController, Metrics } from '@authfarm/platform';
import { Routes } from '../../apps/gateway/src/upstreams/routes.js';
import {
  ROOT,
  composeVariables,
  containerEnv,
  containerOf,
  find,
  loadCompose,
  overlayNames,
  placeholderSecret,
  podTemplates,
  readDotenv,
  readYamlDocuments,
  renderOverlay,
  secretKeyAt,
  secretKeysReadBy,
  type ComposeService,
  type K8sObject,
} from './deploy-files.js';

type App = Exclude<ServiceName, 'farm'>;

/** Variables whose schema default only makes sense on a laptop: every container must set them. */
const MUST_SET: Record<App, string[]> = {
  auth: ['HOST', 'PORT', 'DATABASE_URL', 'REDIS_URL'],
  resource: ['HOST', 'PORT', 'DATABASE_URL', 'REDIS_URL', 'AUTH_URL'],
  gateway: ['HOST', 'GATEWAY_PORT', 'AUTH_URL', 'RESOURCE_DNS'],
  migrate: ['DATABASE_URL'],
  keys: ['DATABASE_URL', 'REDIS_URL'],
};
/**
 * Key material: whoever holds one of these can sign tokens (or open the keys that do), so only the
 * auth service and the operator's keys command may receive them, never a replica or the gateway.
 */
const SIGNING_MATERIAL = [
  'JWT_KEY_ENCRYPTION_KEY',
  'JWT_KEY_ENCRYPTION_KEY_FILE',
  'JWT_PRIVATE_KEY',
  'JWT_PRIVATE_KEY_FILE',
];
const KEK_SECRET = 'authfarm-jwt/key-encryption-key';
/** Read by the image's entrypoint (docker/entrypoint.sh), which sets the variable from the file. */
const FILE_VARIABLES = ['JWT_SECRET_FILE', 'DATABASE_URL_FILE', 'REDIS_URL_FILE'];
const HYBRID_SUPPORTED = envSchema.safeParse({ AUTH_MODES: 'hybrid' }).success;

const health = {
  live: `/${Reflect.getMetadata(PATH_METADATA, HealthController.prototype.live) as string}`,
  ready: `/${Reflect.getMetadata(PATH_METADATA, HealthController.prototype.ready) as string}`,
};

let keyDir: string;
let kekFile: string;
beforeAll(() => {
  keyDir = mkdtempSync(join(tmpdir(), 'authfarm-deploy-spec-'));
  kekFile = join(keyDir, 'key-encryption-key');
  writeFileSync(kekFile, randomBytes(32).toString('base64url'), { mode: 0o600 });
});
afterAll(() => rmSync(keyDir, { recursive: true, force: true }));

/** Checks one container's environment the way the process will at start-up. */
function expectStartable(app: App, env: Record<string, string>): AppConfig {
  const source = { ...env };
  for (const name of FILE_VARIABLES.filter((n) => env[n])) {
    const variable = name.replace(/_FILE$/, '');
    source[variable] = placeholderSecret(variable);
    delete source[name];
  }
  const unknown = Object.keys(source).filter((name) => !(name in envSchema.shape));
  const unset = MUST_SET[app].filter((name) => !source[name]);
  expect({ app, unknown, unset }).toEqual({ app, unknown: [], unset: [] });
  if (source.HOST) expect(source.HOST).toBe('0.0.0.0');
  // AppConfig reads the key file; where the deployment mounts it is checked separately.
  if (source.JWT_KEY_ENCRYPTION_KEY_FILE) source.JWT_KEY_ENCRYPTION_KEY_FILE = kekFile;
  return new AppConfig(app, source);
}

const port = (url: string) => Number(new URL(url).port);
const dnsPort = (hostPort: string) => Number(hostPort.split(':')[1]);

describe.each(overlayNames())('k8s/overlays/%s', (overlay) => {
  let objects: K8sObject[];
  // The migrations run as auth's init container, with auth's pod spec.
  const workloads = (): Array<{ app: App; pod: PodSpec; container: Container }> => {
    const apps = ['auth', 'resource', 'gateway'].map((name) => {
      const workload = find(objects, 'Deployment', name);
      const pod = (workload.spec?.template as { spec: PodSpec }).spec;
      const container = containerOf(workload);
      return { app: container.args?.[0] as App, pod, container };
    });
    const migrate = apps[0].pod.initContainers?.find((c) => c.args?.[0] === 'migrate');
    if (!migrate) throw new Error('auth has no migrate init container');
    return [...apps, { app: 'migrate', pod: apps[0].pod, container: migrate }];
  };
  const envOf = (app: App) => {
    const workload = workloads().find((w) => w.app === app);
    if (!workload) throw new Error(`no workload runs ${app}`);
    return containerEnv(objects, workload.container);
  };

  beforeAll(() => {
    objects = renderOverlay(overlay);
  });

  // Until the config schema knows `hybrid` (issue #3), the hybrid overlay cannot start: pending.
  const pending = overlay === 'hybrid' && !HYBRID_SUPPORTED;
  const accepted = 'gives every app an environment its config accepts';
  (pending ? it.skip : it)(
    pending ? `${accepted} (pending issue #3: AUTH_MODES=hybrid)` : accepted,
    () => {
      expect(workloads().map((w) => w.app)).toEqual(['auth', 'resource', 'gateway', 'migrate']);
      for (const { app, container } of workloads()) {
        expectStartable(app, containerEnv(objects, container).values);
      }
    },
  );

  it('gives the key-encryption key to the auth containers only, as a file from a Secret', () => {
    const [auth] = workloads();
    const env = containerEnv(objects, auth.container).values;
    if (expectStartable('auth', env).tokensEnabled) {
      expect(secretKeyAt(auth.pod, auth.container, env.JWT_KEY_ENCRYPTION_KEY_FILE ?? '')).toBe(
        KEK_SECRET,
      );
    } else {
      // Session mode signs nothing: auth does not receive the key either.
      expect(env.JWT_KEY_ENCRYPTION_KEY_FILE).toBeUndefined();
      expect(secretKeysReadBy(auth.pod)).not.toContain(KEK_SECRET);
    }
    // Every other pod of the overlay, stores included, and every container of it.
    for (const { owner, pod } of podTemplates(objects).filter((t) => t.pod !== auth.pod)) {
      const material = [...(pod.initContainers ?? []), ...pod.containers]
        .flatMap((container) => (container.env ?? []).map((variable) => variable.name))
        .filter((name) => SIGNING_MATERIAL.includes(name));
      const jwtSecret = secretKeysReadBy(pod).filter((ref) => ref.startsWith('authfarm-jwt/'));
      expect({ owner, material, jwtSecret }).toEqual({ owner, material: [], jwtSecret: [] });
    }
  });

  it('reads only secret keys that k8s/base/secrets.template.yaml documents', () => {
    const documented = readYamlDocuments('k8s/base/secrets.template.yaml').flatMap((secret) =>
      Object.keys(secret.stringData ?? {}).map((key) => `${secret.metadata.name}/${key}`),
    );
    const read = workloads().flatMap(({ pod, container }) => [
      ...Object.values(containerEnv(objects, container).fromSecrets),
      ...secretKeysReadBy(pod),
    ]);
    expect(read.length).toBeGreaterThan(0);
    expect(read.filter((ref) => !documented.includes(ref))).toEqual([]);
  });

  it('listens, is probed and is reached on the ports and health paths the code serves', () => {
    for (const { app, container } of workloads().filter((w) => w.app !== 'migrate')) {
      const env = envSchema.parse(containerEnv(objects, container).values);
      const listening = app === 'gateway' ? env.GATEWAY_PORT : env.PORT;
      expect(container.ports).toEqual([{ name: 'http', containerPort: listening }]);
      expect(container.livenessProbe?.httpGet).toEqual({ path: health.live, port: 'http' });
      expect(container.readinessProbe?.httpGet).toEqual({ path: health.ready, port: 'http' });
      const service = find(objects, 'Service', app).spec as {
        ports: Array<{ port: number; targetPort: string }>;
      };
      expect(service.ports.map((p) => p.targetPort)).toEqual(['http']);
    }
    const { AUTH_URL, RESOURCE_DNS } = envSchema.parse(envOf('gateway').values);
    expect(new URL(AUTH_URL).hostname).toBe('auth');
    expect(port(AUTH_URL)).toBe(envSchema.parse(envOf('auth').values).PORT);
    expect(find(objects, 'Service', 'auth').spec).toMatchObject({ ports: [{ port: 3001 }] });
    expect(RESOURCE_DNS).toBe(`resource:${envSchema.parse(envOf('resource').values).PORT}`);
    expect(find(objects, 'Service', 'resource').spec).toMatchObject({
      clusterIP: 'None', // headless: the name resolves to every ready replica
      ports: [{ port: dnsPort(RESOURCE_DNS ?? '') }],
    });
  });

  it('names every resource replica after its pod and autoscales the Deployment', () => {
    const resource = workloads().find((w) => w.app === 'resource')?.container;
    const replicaId = resource?.env?.find((variable) => variable.name === 'REPLICA_ID');
    expect(replicaId?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
    expect(find(objects, 'HorizontalPodAutoscaler', 'resource').spec).toMatchObject({
      scaleTargetRef: { kind: 'Deployment', name: 'resource' },
    });
  });

  it('lets only the gateway reach the replicas and only the services reach the stores', () => {
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    const allowedInto = (app: string): string[] =>
      policies
        .filter((p) => (p.spec?.podSelector as { matchLabels?: object })?.matchLabels)
        .filter((p) => JSON.stringify(p.spec?.podSelector).includes(`"${app}"`))
        .flatMap((p) => (p.spec?.ingress as Array<{ from?: unknown[] }>) ?? [])
        .flatMap((rule) => rule.from ?? ['anywhere'])
        .map((peer) =>
          peer === 'anywhere'
            ? peer
            : (peer as { podSelector: { matchLabels: Record<string, string> } }).podSelector
                .matchLabels['app.kubernetes.io/name'],
        )
        .sort();
    expect(policies.some((p) => JSON.stringify(p.spec?.podSelector) === '{}')).toBe(true);
    expect(allowedInto('gateway')).toEqual(['anywhere']);
    expect(allowedInto('resource')).toEqual(['gateway']);
    expect(allowedInto('auth')).toEqual(['gateway', 'resource']);
    expect(allowedInto('redis')).toEqual(['auth', 'resource']);
    expect(allowedInto('postgres')).toEqual(['auth', 'resource']);
  });

  it("closes egress but for DNS, the farm's own hops and the stores", () => {
    const policies = objects
      .filter((o) => o.kind === 'NetworkPolicy')
      .map((o) => ({ name: o.metadata.name, spec: o.spec as unknown as NetworkPolicySpec }));
    const spec = (name: string) => policies.find((p) => p.name === name)?.spec;
    expect(spec('default-deny')).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    // Every pod resolves names, over UDP and TCP, at the cluster DNS only.
    expect(spec('dns-egress')?.podSelector).toEqual({});
    expect(spec('dns-egress')?.egress).toEqual([
      expect.objectContaining({
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      }),
    ]);
    const name = 'app.kubernetes.io/name';
    const egressOf = (app: string): string[] =>
      policies
        .filter(
          ({ spec: { podSelector } }) =>
            podSelector.matchLabels?.[name] === app ||
            podSelector.matchExpressions?.some((e) => e.key === name && e.values?.includes(app)),
        )
        .flatMap(({ spec: { egress } }) => egress ?? [])
        .flatMap((rule) =>
          (rule.to ?? []).map((peer) => peer.podSelector?.matchLabels?.[name] ?? 'ipBlock'),
        )
        .sort();
    expect(egressOf('gateway')).toEqual(['auth', 'resource']);
    expect(egressOf('resource')).toEqual(['auth', 'postgres', 'redis']);
    expect(egressOf('auth')).toEqual(['postgres', 'redis']);
    // No rule opens egress to everything (a rule without `to`).
    const open = policies.filter((p) => p.spec.egress?.some((rule) => !rule.to?.length));
    expect(open.map((p) => p.name)).toEqual([]);
  });

  it('turns service links off in every pod', () => {
    for (const { owner, pod } of podTemplates(objects)) {
      expect([owner, pod.enableServiceLinks]).toEqual([owner, false]);
    }
  });

  it('keeps a stopping pod in service until the gateway has stopped choosing it', () => {
    const gateway = envSchema.parse(envOf('gateway').values);
    // CoreDNS answers a headless Service's records with a 5 s TTL.
    const forgottenAfter = 5 + gateway.DNS_REFRESH_MS / 1000;
    for (const name of ['auth', 'resource', 'gateway']) {
      const { pod, container } = workloads().find((w) => w.app === name) ?? {};
      const sleep = Number(container?.lifecycle?.preStop?.exec?.command?.[1]);
      expect([name, sleep > forgottenAfter]).toEqual([name, true]);
      const drain = gateway.UPSTREAM_TIMEOUT_MS / 1000;
      expect([name, (pod?.terminationGracePeriodSeconds ?? 30) >= sleep + drain]).toEqual([
        name,
        true,
      ]);
    }
  });
});

describe('docker-compose.yml', () => {
  const example = readDotenv('.env.example');
  const compose = loadCompose(example);
  // The services that run the authfarm image, by the app their command selects.
  const apps = (file = compose): Array<[App, ComposeService]> =>
    Object.values(file.services)
      .filter((service) => service.image === example.AUTHFARM_IMAGE)
      .map((service) => [service.command?.[0] as App, service]);

  it('documents every variable it interpolates in .env.example', () => {
    expect(composeVariables().filter((name) => !(name in example))).toEqual([]);
  });

  const modes = [
    'session',
    'jwt',
    'session,jwt',
    ...(HYBRID_SUPPORTED ? ['hybrid,jwt,session'] : []),
  ];
  const combinations = modes.flatMap((m) => ['HS256', 'EdDSA', 'RS256'].map((a) => [m, a]));
  it.each(combinations)('starts every app with AUTH_MODES=%s JWT_ALG=%s', (modes, alg) => {
    const file = loadCompose({ ...example, AUTH_MODES: modes, JWT_ALG: alg });
    expect(apps(file).map(([app]) => app)).toEqual([
      'migrate',
      'auth',
      'resource',
      'gateway',
      'keys',
    ]);
    for (const [app, service] of apps(file)) expectStartable(app, service.environment ?? {});
  });

  it('hands each app the secrets its *_FILE variables name', () => {
    for (const [, service] of apps()) {
      const files = Object.entries(service.environment ?? {}).filter(([n]) => n.endsWith('_FILE'));
      for (const [, path] of files) {
        const secret = path.replace(/^\/run\/secrets\//, '');
        expect(service.secrets).toContain(secret);
        expect(compose.secrets[secret]?.file).toMatch(/^\.\/secrets\//);
      }
    }
  });

  it('gives the key-encryption key to auth and the keys command only', () => {
    const kek = Object.entries(compose.secrets)
      .filter(([, secret]) => secret.file === './secrets/jwt-key-encryption-key')
      .map(([name]) => name);
    expect(kek).toHaveLength(1);
    for (const app of ['auth', 'keys'] as const) {
      const service = compose.services[app];
      expect(service.secrets).toContain(kek[0]);
      expect(service.environment?.JWT_KEY_ENCRYPTION_KEY_FILE).toBe(`/run/secrets/${kek[0]}`);
    }
    // Every service, stores included: none other is handed the key or names any key material.
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === 'auth' || name === 'keys') continue;
      const material = Object.keys(service.environment ?? {}).filter((variable) =>
        SIGNING_MATERIAL.includes(variable),
      );
      expect({ name, material, kek: service.secrets?.includes(kek[0]) ?? false }).toEqual({
        name,
        material: [],
        kek: false,
      });
    }
    // An operator's one-off command, never started by `docker compose up`.
    expect(compose.services.keys.profiles).toEqual(['tools']);
  });

  it('publishes only the gateway, on the port it listens on', () => {
    const published = Object.entries(compose.services).filter(([, s]) => s.ports?.length);
    expect(published.map(([name]) => name)).toEqual(['gateway']);
    const gateway = envSchema.parse(compose.services.gateway.environment);
    expect(compose.services.gateway.ports?.[0]).toMatch(new RegExp(`:${gateway.GATEWAY_PORT}$`));
  });

  it('keeps auth, resource and the stores on internal networks only', () => {
    for (const name of ['auth', 'resource', 'migrate', 'keys', 'redis', 'postgres']) {
      for (const network of compose.services[name].networks ?? ['default']) {
        expect([name, network, compose.networks[network]?.internal]).toEqual([name, network, true]);
      }
    }
  });

  it('runs three resource replicas that scale, found by RESOURCE_DNS and reached on PORT', () => {
    const { resource, auth, gateway } = compose.services;
    expect(resource.deploy?.replicas).toBe(3);
    expect(resource.container_name).toBeUndefined();
    expect(resource.ports).toBeUndefined();
    const env = envSchema.parse(gateway.environment);
    expect(env.RESOURCE_DNS).toBe(`resource:${envSchema.parse(resource.environment).PORT}`);
    expect(env.AUTH_URL).toBe(`http://auth:${envSchema.parse(auth.environment).PORT}`);
    expect(envSchema.parse(resource.environment).AUTH_URL).toBe(env.AUTH_URL);
  });
});

describe('the image', () => {
  const entrypoint = readFileSync(join(ROOT, 'docker/entrypoint.sh'), 'utf8');

  it('starts each app from the file the build writes for it', () => {
    for (const app of ['gateway', 'auth', 'resource'] as const) {
      expect(existsSync(join(ROOT, `apps/${app}/src/main.ts`))).toBe(true);
    }
    expect(entrypoint).toContain('dist/apps/${app}/src/main.js');
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    for (const command of [scripts.migrate, scripts.keys]) {
      const script = command.replace(/^node /, '');
      expect(entrypoint).toContain(script);
      expect(existsSync(join(ROOT, script.replace(/^dist\//, '').replace(/\.js$/, '.ts')))).toBe(
        true,
      );
    }
  });

  it('health-checks the path every app serves as ready, the gateway included', () => {
    const routes = new Routes(new AppConfig('gateway', {}), new Metrics());
    expect(routes.match(health.live).kind).toBe('local');
    expect(routes.match(health.ready).kind).toBe('local');
    expect(readFileSync(join(ROOT, 'docker/healthcheck.js'), 'utf8')).toContain(health.ready);
  });
});
