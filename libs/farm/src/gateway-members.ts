import { randomUUID } from 'node:crypto';
import type { ServiceProcess } from './service-process.js';

/** Replaces the gateway's members and resolves once it has applied them (and drained removed ones). */
export function sendUpstreams(
  gateway: ServiceProcess,
  upstreams: { auth: string[]; resource: string[] },
): Promise<void> {
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      gateway.child.off('message', onMessage);
      reject(new Error('the gateway did not apply the new members within 15 s'));
    }, 15_000);
    const onMessage = (message: { type?: string; id?: string }) => {
      if (message.type !== 'upstreams-applied' || message.id !== id) return;
      clearTimeout(timer);
      gateway.child.off('message', onMessage);
      resolve();
    };
    gateway.child.on('message', onMessage);
    gateway.child.send({ type: 'upstreams', id, ...upstreams });
  });
}
