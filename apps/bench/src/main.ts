import 'reflect-metadata';
import { cpus, totalmem, type as osType, release } from 'node:os';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BenchContext } from './bench-context.js';
import { PROFILES, type Profile } from './profile.js';
import { Progress } from './progress.js';
import { charts } from './report/charts.js';
import {
  indexHtml,
  readmeBlock,
  reportMarkdown,
  summaryTable,
  withReadmeBlock,
} from './report/report-md.js';
import { resultsSchema, type Results } from './report/results.schema.js';
import { evaluateTargets } from './report/targets.js';
import { bareHttp } from './scenarios/bare-http.js';
import { costByMode } from './scenarios/cost.js';
import { farStore, farStoreFarm } from './scenarios/far-store.js';
import { hotPathProfile } from './scenarios/hot-path-profile.js';
import { memoryPerSession } from './scenarios/memory.js';
import { storeOutage } from './scenarios/outage.js';
import { primitiveFloor } from './scenarios/primitives.js';
import { primitivesInServer } from './scenarios/primitives-in-server.js';
import { referenceApps } from './scenarios/reference-apps.js';
import { revocationReach } from './scenarios/revocation-reach.js';
import { scaling } from './scenarios/scaling.js';
import { tokenSize } from './scenarios/token-size.js';

// `npm run bench` (full, ≤ ~20 min on 2 cores), `npm run bench -- --quick` (≤ ~3 min).
// `--tiny` is the test profile; `--out DIR` writes there instead of reports/<timestamp>.
// `--render DIR/results.json` rewrites that run's report, targets and charts from its raw data with
// this checkout's report code (no measuring); with `--publish`, the docs and README too.
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    tiny: { type: 'boolean', default: false },
    out: { type: 'string' },
    publish: { type: 'boolean', default: false },
    render: { type: 'string' },
  },
});
const profile: Profile = PROFILES[values.tiny ? 'tiny' : values.quick ? 'quick' : 'full'];
const command = `npm run bench${profile.name === 'full' ? '' : ` -- --${profile.name}`}`;

if (values.render) await render(resolve(values.render));
else await run();

/** Re-evaluates a run's targets and redraws its report from its results.json. */
async function render(file: string): Promise<void> {
  const measured = resultsSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  const drawn = charts(measured.scenarios);
  const results = resultsSchema.parse({
    ...measured,
    targets: evaluateTargets(measured.scenarios),
    charts: Object.keys(drawn),
  });
  const dir = write(results, drawn, values.out ? resolve(values.out) : dirname(file));
  if (values.publish) await publishToReadme(results);
  process.stdout.write(`\n${summaryTable(results)}\n\nreport: ${join(dir, 'report.md')}\n`);
}

async function run(): Promise<void> {
  const startedAt = new Date();
  const progress = new Progress();
  const ctx = await BenchContext.create(profile, progress, process.env);

  let results: Results;
  try {
    const modes = await costByMode(ctx);
    const bare = await bareHttp(ctx);
    const inServer = await primitivesInServer(ctx);
    const primitives = (await primitiveFloor(ctx)).map((p) => ({
      ...p,
      inServer: inServer.get(p.name),
    }));
    const far = await farStoreFarm(ctx);
    const farPoints = await farStore(ctx, far);
    const reach = await revocationReach(ctx, far.farmName);
    const outage = await storeOutage(ctx, far);
    await ctx.stopFarm(far.farmName);
    await far.proxy.cut();
    const tokens = await tokenSize(ctx);
    const reference = await referenceApps(ctx);
    const profiles = await hotPathProfile(ctx);
    for (const name of [
      'postgres',
      'introspection',
      'eddsa',
      'es256',
      'rs256',
      'eddsa-cached',
      'hs256-cached',
    ]) {
      await ctx.stopFarm(name);
    }
    const scale = await scaling(ctx);
    const memory = await memoryPerSession(ctx);
    const scenarios: Results['scenarios'] = {
      cost: { modes, bareHttp: bare },
      primitives,
      farStore: farPoints,
      scaling: scale,
      memory,
      tokenSize: tokens,
      reach,
      outage,
      reference,
    };
    const drawn = charts(scenarios);
    results = resultsSchema.parse({
      schema: 'authfarm-bench/1',
      profile,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: {
        cpus: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        memoryGiB: totalmem() / 2 ** 30,
        os: `${osType()} ${release()}`,
      },
      versions: versions(),
      config: { farms: ctx.farmEnv({ JWT_SECRET: '(generated)' }), command },
      scenarios,
      targets: evaluateTargets(scenarios),
      charts: Object.keys(drawn),
      profiles: Object.keys(profiles),
    });
    const root = resolve('reports');
    const dir = write(
      results,
      { ...drawn, ...profiles },
      values.out ? resolve(values.out) : join(root, results.startedAt.replace(/[:.]/g, '-')),
    );
    if (!values.out) {
      rmSync(join(root, 'latest'), { force: true });
      // Relative, so the link still holds when reports/ is copied or mounted elsewhere.
      symlinkSync(relative(root, dir), join(root, 'latest'));
    }
    if (values.publish) await publishToReadme(results);
    process.stdout.write(`\n${summaryTable(results)}\n\nreport: ${join(dir, 'report.md')}\n`);
  } finally {
    await ctx.close();
  }
}

function write(r: Results, files: Record<string, string>, dir: string): string {
  const drawn = Object.fromEntries(
    Object.entries(files).filter(([name]) => r.charts.includes(name)),
  );
  const runCommand = String(r.config.command ?? command);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), JSON.stringify(r, null, 1));
  writeFileSync(join(dir, 'report.md'), reportMarkdown(r, runCommand));
  writeFileSync(join(dir, 'index.html'), indexHtml(r, Object.keys(drawn)));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  if (values.publish) {
    // What the README shows: the summary, the targets and the headline chart of this run.
    const docs = resolve('docs/benchmark');
    mkdirSync(docs, { recursive: true });
    writeFileSync(join(docs, 'latest.md'), reportMarkdown(r, runCommand));
    for (const [name, content] of Object.entries(files)) {
      if (name.endsWith('.svg')) writeFileSync(join(docs, name), content);
    }
    writeFileSync(join(docs, 'results.json'), JSON.stringify(r));
  }
  return dir;
}

/** Rewrites the README's "Latest figures" block, formatted as `npm run lint` expects. */
async function publishToReadme(r: Results): Promise<void> {
  const readme = resolve('README.md');
  const text = withReadmeBlock(
    readFileSync(readme, 'utf8'),
    readmeBlock(r, 'npm run bench -- --publish'),
  );
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(readme)) ?? {};
  writeFileSync(readme, await prettier.format(text, { ...options, filepath: readme }));
}

function versions(): Record<string, string> {
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  const of = (name: string) => lock.packages[`node_modules/${name}`]?.version ?? 'unknown';
  return {
    node: process.version,
    authfarm: lock.packages['']?.version ?? 'unknown',
    '@nestjs/core': of('@nestjs/core'),
    fastify: of('fastify'),
    ioredis: of('ioredis'),
    pg: of('pg'),
    'fast-jwt': of('fast-jwt'),
    autocannon: of('autocannon'),
  };
}
