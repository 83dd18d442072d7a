import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
};

export interface Asset {
  body: Buffer;
  type: string;
}

/** Built next to the gateway's code by `npm run build` (dist/apps/gateway/console). */
const BUILT = fileURLToPath(new URL('../../console/', import.meta.url));

/**
 * The console's files, read once at start into memory (a few tens of KB): a request can only
 * name a file that was there, so no path from a request ever reaches the file system.
 */
export function loadAssets(dir = BUILT): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(dir)) return assets;
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type && !name.endsWith('.map')) {
      assets.set(name, { body: readFileSync(join(dir, name)), type });
    }
  }
  return assets;
}

const FIGURE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}\.(json|svg|md)$/;

/**
 * The latest benchmark run's files: `reports/latest` when this checkout has run the benchmark,
 * else the published run in `docs/benchmark` (or CONSOLE_FIGURES_DIR). Read per request, so a
 * run finished while the farm is up shows without a restart.
 */
export class Figures {
  private readonly dirs: string[];

  constructor(configured: string | undefined, cwd = process.cwd()) {
    this.dirs = configured
      ? [resolve(cwd, configured)]
      : [resolve(cwd, 'reports/latest'), resolve(cwd, 'docs/benchmark')];
  }

  async read(name: string): Promise<Asset | undefined> {
    if (!FIGURE.test(name)) return undefined;
    const dir = this.dirs.find((d) => existsSync(join(d, 'results.json')));
    if (!dir) return undefined;
    const body = await readFile(join(dir, name)).catch(() => undefined);
    return body && { body, type: TYPES[extname(name)] };
  }
}
