import { beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { testEnv } from '../support/test-env.js';

// `npm run demo` against the test stores: the farm it starts, the five scenarios, the verdict.
// Guards against a demo that claims what the farm no longer does (or says ✓ without measuring).
interface Row {
  claim: string;
  observed: string;
  asClaimed: boolean;
}
interface DemoJson {
  ok: boolean;
  seconds: number;
  scenarios: Array<{ id: string; title: string; rows: Row[] }>;
}
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const DEMO = 'dist/apps/demo/src/main.js';

function demo(...args: string[]): Promise<Run> {
  const stores = testEnv();
  const child = spawn(process.execPath, [DEMO, ...args], {
    env: {
      PATH: process.env.PATH,
      REDIS_URL: stores.redisUrl,
      DATABASE_URL: stores.databaseUrl,
      REDIS_KEY_PREFIX: stores.keyPrefix,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('npm run demo -- --json', () => {
  let run: Run;
  let result: DemoJson;
  beforeAll(async () => {
    run = await demo('--json');
    // The progress lines and, when a claim failed, the farm's log: the first thing to read.
    if (run.code !== 0) process.stderr.write(run.stderr);
    result = JSON.parse(run.stdout) as DemoJson;
  }, 150_000);

  it('exits 0 with every claim observed as documented, in under 90 s', () => {
    const missed = result.scenarios.flatMap((s) => s.rows).filter((r) => !r.asClaimed);
    expect({ code: run.code, ok: result.ok, missed }).toEqual({ code: 0, ok: true, missed: [] });
    expect(result.seconds).toBeLessThan(90);
  });

  it.each([
    ['logout-everywhere', 3],
    ['store-outage', 2],
    ['leaked-key', 1],
    ['unsynced-farm', 2],
    ['scale', 1],
  ])('%s: each of its %i claims is measured and observed as documented', (id, claims) => {
    const scenario = result.scenarios.find((s) => s.id === id);
    expect(scenario?.rows).toHaveLength(claims);
    for (const row of scenario!.rows) {
      expect(row).toEqual({
        claim: expect.any(String),
        observed: expect.any(String),
        asClaimed: true,
      });
      // A measured figure, not a canned sentence.
      expect(row.observed).toMatch(/\d/);
    }
  });

  it('writes progress to stderr, one line per step, so stdout stays JSON', () => {
    expect(run.stderr).toMatch(/^\[1\/5\] log out everywhere: /m);
    expect(run.stderr).toMatch(/^\[5\/5\] scale: /m);
  });
});

describe('npm run demo, its options', () => {
  it('prints usage and exits 0 for --help, starting no farm', async () => {
    const { code, stdout } = await demo('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: npm run demo/);
  });

  it('names an unknown option and exits 64', async () => {
    const { code, stdout, stderr } = await demo('--fast');
    expect(code).toBe(64);
    expect(stderr).toContain("'--fast'");
    expect(stdout).toBe('');
  });
});
