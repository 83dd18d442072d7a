import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resultsSchema } from '../../apps/bench/src/report/results.schema.js';
import { testEnv } from '../support/test-env.js';

// Covers the benchmark's code paths (every scenario, the report, the charts) with the tiny
// profile. Figures are not asserted: only that a run produces a complete, valid report.
describe('npm run bench', () => {
  it('writes results.json that matches its schema, report.md, index.html and every chart', async () => {
    const out = mkdtempSync(join(tmpdir(), 'authfarm-bench-'));
    try {
      const stores = testEnv();
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(
          process.execPath,
          ['dist/apps/bench/src/main.js', '--tiny', '--out', out],
          {
            env: {
              PATH: process.env.PATH,
              REDIS_URL: stores.redisUrl,
              DATABASE_URL: stores.databaseUrl,
            },
            stdio: ['ignore', 'ignore', 'inherit'],
          },
        );
        child.on('exit', resolve);
      });
      expect(code).toBe(0);
      const results = resultsSchema.parse(
        JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')),
      );
      expect(results.profile.name).toBe('tiny');
      expect(results.charts.length).toBeGreaterThanOrEqual(9);
      expect(results.profiles).toEqual(
        expect.arrayContaining(['flame-replica.svg', 'flame-gateway.svg']),
      );
      const html = readFileSync(join(out, 'index.html'), 'utf8');
      for (const chart of results.charts) {
        expect(readFileSync(join(out, chart), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
        expect(html).toContain(`src="${chart}"`);
      }
      const report = readFileSync(join(out, 'report.md'), 'utf8');
      for (let section = 1; section <= 9; section++)
        expect(report).toMatch(new RegExp(`^## ${section}\\. `, 'm'));

      // --render rewrites the report and the targets from results.json alone, measuring nothing.
      rmSync(join(out, 'report.md'));
      const rendered = await new Promise<number | null>((resolve) => {
        const child = spawn(
          process.execPath,
          ['dist/apps/bench/src/main.js', '--render', join(out, 'results.json')],
          { env: { PATH: process.env.PATH }, stdio: ['ignore', 'ignore', 'inherit'] },
        );
        child.on('exit', resolve);
      });
      expect(rendered).toBe(0);
      expect(readFileSync(join(out, 'report.md'), 'utf8')).toBe(report);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 400_000);
});
