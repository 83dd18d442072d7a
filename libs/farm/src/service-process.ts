import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { stopChild } from './stores.js';

export interface ServiceProcess {
  name: string;
  url: string;
  port: number;
  child: ChildProcess;
  /** Settles when the process has exited: its exit code, or the signal that ended it. */
  exited: Promise<ExitStatus>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  name: string;
  script: string;
  env: Record<string, string>;
  /** Where each prefixed log line goes; defaults to stdout. */
  log: (line: string) => void;
  timeoutMs?: number;
  /** Node flags for the child, e.g. `--cpu-prof` for the benchmark's flame graphs. */
  execArgv?: string[];
}

/**
 * Starts one service as a child process and resolves once it listens and `/health/ready`
 * answers 200. The child reports its port over IPC, so services can listen on port 0.
 */
export async function spawnService(options: SpawnOptions): Promise<ServiceProcess> {
  const child = fork(options.script, [], {
    execArgv: options.execArgv ?? [],
    env: { ...options.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const exited = new Promise<ExitStatus>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  for (const stream of [child.stdout, child.stderr]) {
    if (stream)
      createInterface({ input: stream }).on('line', (line) =>
        options.log(`[${options.name}] ${line}`),
      );
  }
  try {
    return await untilReady(child, exited, options);
  } catch (error) {
    // A service that did not come up must not outlive the attempt (an orphan keeps a test
    // runner, or the farm runner, from exiting).
    child.kill('SIGKILL');
    throw error;
  }
}

async function untilReady(
  child: ChildProcess,
  exited: Promise<ExitStatus>,
  options: SpawnOptions,
): Promise<ServiceProcess> {
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`${options.name} did not start within ${options.timeoutMs ?? 30_000} ms`)),
      options.timeoutMs ?? 30_000,
    );
    child.on('message', (message: { type?: string; port?: number }) => {
      if (message.type === 'listening' && message.port) {
        clearTimeout(timer);
        resolve(message.port);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited with code ${code} before listening`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, options.timeoutMs ?? 30_000, options.name);
  return {
    name: options.name,
    url,
    port,
    child,
    exited,
    stop: (signal?: NodeJS.Signals) =>
      signal === 'SIGKILL' ? Promise.resolve(void child.kill('SIGKILL')) : stopChild(child),
  };
}

/** Polls `/health/ready` until it answers 200 (readiness has no event to wait on). */
export async function waitReady(url: string, timeoutMs: number, name: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${name} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
