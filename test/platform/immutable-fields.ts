import { isDeepStrictEqual } from 'node:util';
import type { K8sObject } from '../deploy/deploy-files.js';

/**
 * Fields the API server refuses to change on an object that exists (`field is immutable`), by
 * kind. `kubectl apply` of a file that changes one fails, and with it a switch of overlay.
 */
const IMMUTABLE: Record<string, string[][]> = {
  Job: [
    ['spec', 'template'],
    ['spec', 'selector'],
    ['spec', 'completions'],
  ],
  Deployment: [['spec', 'selector']],
  ReplicaSet: [['spec', 'selector']],
  DaemonSet: [['spec', 'selector']],
  StatefulSet: [
    ['spec', 'selector'],
    ['spec', 'serviceName'],
    ['spec', 'volumeClaimTemplates'],
    ['spec', 'podManagementPolicy'],
  ],
  Service: [['spec', 'clusterIP']],
  PersistentVolumeClaim: [
    ['spec', 'storageClassName'],
    ['spec', 'accessModes'],
  ],
};

const at = (object: unknown, path: string[]): unknown =>
  path.reduce<unknown>(
    (value, key) => (value as Record<string, unknown> | undefined)?.[key],
    object,
  );

/** `Kind/name field` for every immutable field `next` would change on an object `first` made. */
export function immutableChanges(first: K8sObject[], next: K8sObject[]): string[] {
  return next.flatMap((object) => {
    const existing = first.find(
      (o) => o.kind === object.kind && o.metadata.name === object.metadata.name,
    );
    return (IMMUTABLE[object.kind] ?? [])
      .filter((path) => existing && !isDeepStrictEqual(at(existing, path), at(object, path)))
      .map((path) => `${object.kind}/${object.metadata.name} ${path.join('.')}`);
  });
}
