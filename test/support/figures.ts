import { mkdirSync, writeFileSync } from 'node:fs';

const DIR = new URL('../../reports/faults/', import.meta.url);

/**
 * Keeps the figures of one fault test in `reports/faults/<name>.json` (git-ignored), the source
 * of the table in docs/reliability.md. One file per fault, so parallel spec files never clash.
 */
export function recordFigures(name: string, figures: Record<string, unknown>): void {
  mkdirSync(DIR, { recursive: true });
  const file = new URL(`${name}.json`, DIR);
  writeFileSync(file, `${JSON.stringify({ fault: name, ...figures }, null, 2)}\n`);
}
