// What a platform hands a container of the authfarm image, computed from the deployment files the
// way Kubernetes' kubelet and Docker Compose compute it, so that the real process can be started
// with it here, where neither runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Container, PodSpec } from 'kubernetes-types/core/v1.js';
import { ROOT, declaredEnv, type K8sObject, type SecretSource } from '../deploy/deploy-files.js';

/** The Dockerfile with its continued lines joined. */
const dockerfile = (): string =>
  readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');

/** The runtime stage's `ENV` of the Dockerfile: every container starts from it. */
export function imageEnv(): Record<string, string> {
  const text = dockerfile();
  const runtime = text.slice(text.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const [, list] of runtime.matchAll(/^ENV\s+(.+)$/gm)) {
    for (const [, name, value] of list.matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)) env[name] = value;
  }
  return env;
}

/** The image's HEALTHCHECK command (exec form), which Compose runs unless a service overrides it. */
export function imageHealthcheck(): string[] {
  const match = /^HEALTHCHECK\b.*?\bCMD\s+(\[.*\])\s*$/m.exec(dockerfile());
  if (!match) throw new Error('the Dockerfile has no exec-form HEALTHCHECK');
  return JSON.parse(match[1]) as string[];
}

/** A Service as kubelet sees it for service links. */
interface ServiceView {
  name: string;
  clusterIP: string | undefined;
  ports: Array<{ name?: string; port: number; protocol?: string }>;
}

/**
 * The variables kubelet adds for every Service of the pod's namespace that has a cluster IP
 * (`<NAME>_SERVICE_HOST`, `<NAME>_PORT=tcp://ip:port`...), unless the pod sets
 * `enableServiceLinks: false`; the API server's own `KUBERNETES_*` are added whatever it says.
 * An explicit variable of the container wins over a link of the same name.
 */
export function serviceLinks(objects: K8sObject[], pod: PodSpec): Record<string, string> {
  const services: ServiceView[] = objects
    .filter((o) => o.kind === 'Service')
    .map((o, index) => {
      const spec = o.spec as { clusterIP?: string; ports: ServiceView['ports'] };
      const headless = spec.clusterIP === 'None';
      return {
        name: o.metadata.name,
        clusterIP: headless ? undefined : (spec.clusterIP ?? `10.96.0.${index + 10}`),
        ports: spec.ports,
      };
    });
  const master: ServiceView = {
    name: 'kubernetes',
    clusterIP: '10.96.0.1',
    ports: [{ name: 'https', port: 443 }],
  };
  const linked = pod.enableServiceLinks === false ? [master] : [master, ...services];
  const env: Record<string, string> = {};
  for (const { name, clusterIP, ports } of linked) {
    if (!clusterIP) continue; // headless: kubelet skips it
    const prefix = name.toUpperCase().replace(/-/g, '_');
    env[`${prefix}_SERVICE_HOST`] = clusterIP;
    env[`${prefix}_SERVICE_PORT`] = String(ports[0].port);
    for (const { name: portName, port, protocol = 'TCP' } of ports) {
      if (portName)
        env[`${prefix}_SERVICE_PORT_${portName.toUpperCase().replace(/-/g, '_')}`] = String(port);
      const proto = protocol.toLowerCase();
      const link = `${prefix}_PORT_${port}_${protocol.toUpperCase()}`;
      env[link] = `${proto}://${clusterIP}:${port}`;
      env[`${link}_PROTO`] = proto;
      env[`${link}_PORT`] = String(port);
      env[`${link}_ADDR`] = clusterIP;
    }
    env[`${prefix}_PORT`] =
      `${(ports[0].protocol ?? 'TCP').toLowerCase()}://${clusterIP}:${ports[0].port}`;
  }
  return env;
}

/** The test's stand-in for the Secrets an operator creates: `secret name -> key -> value`. */
export type SecretData = Record<string, Record<string, string>>;

/** A container's environment as kubelet builds it, and the secret files mounted into it. */
export interface KubeletView {
  env: Record<string, string>;
  /** Absolute path in the container -> file content, for every Secret volume it mounts. */
  files: Record<string, string>;
}

/**
 * Image ENV, then the container's own variables, then service links where the name is still
 * free, then HOSTNAME: what the process sees in a pod named `podName`.
 */
export function kubeletView(
  objects: K8sObject[],
  pod: PodSpec,
  container: Container,
  secrets: SecretData,
  podName: string,
): KubeletView {
  const secretValue: SecretSource = (variable, { name, key, optional }) => {
    const value = secrets[name]?.[key];
    if (value === undefined && !optional) {
      throw new Error(`${variable}: Secret ${name} has no key ${key} (secrets.template.yaml)`);
    }
    return value;
  };
  const own = declaredEnv(objects, container, secretValue, podName);
  const env = { ...imageEnv(), ...own };
  for (const [name, value] of Object.entries(serviceLinks(objects, pod))) {
    if (!(name in own)) env[name] = value;
  }
  env.HOSTNAME = podName;

  const files: Record<string, string> = {};
  for (const mount of container.volumeMounts ?? []) {
    const secret = pod.volumes?.find((v) => v.name === mount.name)?.secret;
    if (!secret?.secretName) continue;
    const { secretName, optional } = secret;
    const items =
      secret.items ?? Object.keys(secrets[secretName] ?? {}).map((key) => ({ key, path: key }));
    for (const { key, path } of items) {
      const value = secretValue(mount.mountPath, { name: secretName, key, optional });
      if (value !== undefined) files[`${mount.mountPath}/${path}`] = value;
    }
  }
  return { env, files };
}
