import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Container, EnvVar, PodSpec } from 'kubernetes-types/core/v1.js';
import { parse, parseAllDocuments } from 'yaml';

/** The repository root: Jest runs from it. */
export const ROOT = process.cwd();

/** Any rendered Kubernetes object, typed only as far as these tests read it. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export const overlayNames = (): string[] =>
  readdirSync(join(ROOT, 'k8s/overlays'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();

/** `kubectl kustomize` output of one overlay, one object per YAML document. */
export function renderOverlay(name: string): K8sObject[] {
  const yaml = execFileSync('kubectl', ['kustomize', join(ROOT, 'k8s/overlays', name)], {
    encoding: 'utf8',
  });
  return parseAllDocuments(yaml).map((doc) => doc.toJS() as K8sObject);
}

export function readYamlDocuments(path: string): K8sObject[] {
  return parseAllDocuments(readFileSync(join(ROOT, path), 'utf8')).map(
    (doc) => doc.toJS() as K8sObject,
  );
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} in the rendered manifests`);
  return found;
}

/** The first container of a Deployment's or a Job's pod template. */
export function containerOf(workload: K8sObject): Container {
  const template = workload.spec?.template as { spec: { containers: Container[] } };
  return template.spec.containers[0];
}

/** Every pod template in the rendered objects (Deployments, StatefulSets, Jobs...), by owner. */
export function podTemplates(objects: K8sObject[]): Array<{ owner: string; pod: PodSpec }> {
  return objects
    .filter((o) => (o.spec?.template as { spec?: PodSpec } | undefined)?.spec)
    .map((o) => ({
      owner: `${o.kind}/${o.metadata.name}`,
      pod: (o.spec?.template as { spec: PodSpec }).spec,
    }));
}

/** The `secret/key` a file path in a container comes from, if a Secret volume mounts it there. */
export function secretKeyAt(pod: PodSpec, container: Container, file: string): string | undefined {
  const mount = container.volumeMounts?.find((m) => file.startsWith(`${m.mountPath}/`));
  const secret = pod.volumes?.find((v) => v.name === mount?.name)?.secret;
  if (!mount || !secret?.secretName) return undefined;
  const path = file.slice(mount.mountPath.length + 1);
  // Without items, every key of the Secret is a file named after it.
  const key = secret.items ? secret.items.find((item) => item.path === path)?.key : path;
  return key === undefined ? undefined : `${secret.secretName}/${key}`;
}

/** Every `secret/key` a pod can read: env references, whole-Secret envFrom, Secret volumes. */
export function secretKeysReadBy(pod: PodSpec): string[] {
  const containers = [...(pod.initContainers ?? []), ...pod.containers];
  const fromEnv = containers.flatMap((c) =>
    (c.env ?? []).flatMap(({ valueFrom }) => {
      const ref = valueFrom?.secretKeyRef;
      return ref ? [`${ref.name}/${ref.key}`] : [];
    }),
  );
  const whole = containers.flatMap((c) =>
    (c.envFrom ?? []).flatMap((source) => (source.secretRef ? [`${source.secretRef.name}/*`] : [])),
  );
  const volumes = (pod.volumes ?? []).flatMap(({ secret, projected }) => [
    ...(secret?.secretName
      ? (secret.items?.map((item) => `${secret.secretName}/${item.key}`) ?? [
          `${secret.secretName}/*`,
        ])
      : []),
    ...(projected?.sources ?? []).flatMap(({ secret: source }) =>
      source?.name
        ? (source.items?.map((item) => `${source.name}/${item.key}`) ?? [`${source.name}/*`])
        : [],
    ),
  ]);
  return [...fromEnv, ...whole, ...volumes];
}

/** A value standing in for a secret, shaped as the config schema expects for that variable. */
export function placeholderSecret(variable: string): string {
  if (variable === 'DATABASE_URL') return 'postgres://authfarm:secret@postgres:5432/authfarm';
  if (variable === 'REDIS_URL') return 'redis://redis:6379';
  return 'placeholder-secret-of-at-least-thirty-two-characters';
}

/** Supplies the value of a Secret key a container's `env` reads (`variable` is the env name). */
export type SecretSource = (
  variable: string,
  ref: { name: string; key: string; optional?: boolean },
) => string | undefined;

/**
 * A container's own variables as kubelet resolves them: `envFrom` ConfigMaps, then its `env` list
 * (with `$(VAR)` references expanded), Secrets from `secret`, the pod's name from `podName`.
 */
export function declaredEnv(
  objects: K8sObject[],
  container: Container,
  secret: SecretSource,
  podName: string,
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const name = source.configMapRef?.name;
    if (!name) throw new Error(`${container.name}: only ConfigMap envFrom is expected`);
    Object.assign(values, find(objects, 'ConfigMap', name).data);
  }
  for (const variable of container.env ?? []) {
    const value = resolve(variable);
    if (value !== undefined) values[variable.name] = value;
  }
  return values;

  function resolve({ name, value, valueFrom }: EnvVar): string | undefined {
    if (value !== undefined) {
      return value.replace(
        /\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g,
        (ref, inner: string) => values[inner] ?? ref,
      );
    }
    if (valueFrom?.configMapKeyRef) {
      const { name: map, key, optional } = valueFrom.configMapKeyRef;
      const data = find(objects, 'ConfigMap', map ?? '').data ?? {};
      if (!(key in data) && !optional)
        throw new Error(`${name}: ConfigMap ${map} has no key ${key}`);
      return data[key];
    }
    if (valueFrom?.secretKeyRef) {
      const { name: secretName, key, optional } = valueFrom.secretKeyRef;
      return secret(name, { name: secretName ?? '', key, optional });
    }
    if (valueFrom?.fieldRef?.fieldPath === 'metadata.name') return podName;
    if (valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') return 'authfarm';
    throw new Error(`${name}: unsupported env source`);
  }
}

/** Where a container's variable comes from, once the pod is scheduled. */
export interface ResolvedEnv {
  values: Record<string, string>;
  /** Variable name to the `secret/key` it is read from. */
  fromSecrets: Record<string, string>;
}

/** The environment Kubernetes gives a container, with a placeholder for each secret. */
export function containerEnv(objects: K8sObject[], container: Container): ResolvedEnv {
  const fromSecrets: Record<string, string> = {};
  const values = declaredEnv(
    objects,
    container,
    (variable, ref) => {
      fromSecrets[variable] = `${ref.name}/${ref.key}`;
      return placeholderSecret(variable);
    },
    'pod-metadata-name',
  );
  return { values, fromSecrets };
}

/** docker-compose.yml after `${VAR}` / `${VAR:-default}` interpolation, merge keys applied. */
export function loadCompose(variables: Record<string, string>): ComposeFile {
  const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8').replace(
    /\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g,
    (_match, name: string, fallback: string | undefined) => variables[name] || fallback || '',
  );
  return parse(text, { merge: true }) as ComposeFile;
}

/** Names `${VAR...}` in docker-compose.yml refers to. */
export function composeVariables(): string[] {
  const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
  return [...new Set([...text.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]))].sort();
}

/** KEY=value lines of a dotenv file. */
export function readDotenv(path: string): Record<string, string> {
  const entries = readFileSync(join(ROOT, path), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z0-9_]+=/.test(line))
    .map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1)] as const;
    });
  return Object.fromEntries(entries);
}

export interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  secrets?: string[];
  profiles?: string[];
  ports?: string[];
  networks?: string[];
  container_name?: string;
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition: string }>;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  networks: Record<string, { internal?: boolean } | null>;
  secrets: Record<string, { file: string }>;
}
