import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnService } from '@authfarm/farm';
import type { BenchContext } from '../bench-context.js';
import { closedLoop } from '../measure/load.js';
import { flameGraph } from '../report/flamegraph.js';

const DIST_APPS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * Where the time goes: a replica and a gateway started with --cpu-prof next to the HS256 farm,
 * loaded with session and JWT requests; each profile becomes a flame graph (SVG) and is kept raw
 * (.cpuprofile, for Chrome DevTools or speedscope).
 */
export async function hotPathProfile(ctx: BenchContext): Promise<Record<string, string>> {
  const { profile, progress } = ctx;
  progress.start('profile of the hot path');
  const farm = await ctx.farm('hs256', { JWT_VERIFIED_CACHE: '0' });
  const dir = mkdtempSync(join(tmpdir(), 'authfarm-prof-'));
  const files: Record<string, string> = {};
  try {
    const env = { ...ctx.farmEnv({ JWT_VERIFIED_CACHE: '0' }), PORT: '0', AUTH_URL: farm.auth.url };
    for (const [name, script, extraEnv] of [
      ['replica', join(DIST_APPS, 'resource/src/main.js'), { REPLICA_ID: 'profiled' }],
      [
        'gateway',
        join(DIST_APPS, 'gateway/src/main.js'),
        { RESOURCE_UPSTREAMS: farm.replicas[0].url },
      ],
    ] as const) {
      const out = join(dir, name);
      const service = await spawnService({
        name,
        script,
        env: { ...env, ...extraEnv },
        log: () => undefined,
        execArgv: ['--cpu-prof', `--cpu-prof-dir=${out}`],
      });
      for (const mode of ['jwt', 'session'] as const) {
        await closedLoop({
          url: `${service.url}/api/me`,
          headers: await ctx.login(farm, mode),
          connections: profile.connections,
          durationS: profile.closedS,
        });
      }
      await service.stop(); // SIGTERM: the profile is written on a clean exit
      const written = readdirSync(out).find((f) => f.endsWith('.cpuprofile'));
      if (!written) continue;
      const raw = readFileSync(join(out, written), 'utf8');
      files[`flame-${name}.cpuprofile`] = raw;
      files[`flame-${name}.svg`] = flameGraph(
        `${name}, session and jwt HS256 requests`,
        JSON.parse(raw),
      );
      progress.update(Object.keys(files).length / 4, name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  progress.done(Object.keys(files).join(', '));
  return files;
}
