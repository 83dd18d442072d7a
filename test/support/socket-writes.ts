import type { Socket } from 'node:net';

/**
 * Counts a socket's writes from now on as the kernel sees them: each call of Node's `_write` or
 * `_writev` is one system call, however many `write()`s were buffered into it.
 */
export function countWrites(socket: Socket): () => number {
  const counted = socket as Socket & Record<'_write' | '_writev', (...args: unknown[]) => void>;
  let writes = 0;
  for (const method of ['_write', '_writev'] as const) {
    const original = counted[method];
    counted[method] = function (this: Socket, ...args: unknown[]) {
      writes++;
      return original.apply(this, args);
    };
  }
  return () => writes;
}
