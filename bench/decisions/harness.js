// What the decision benchmarks (bench/decisions/*.js) share: CPU from /proc, summary statistics,
// number formatting and where raw results go. Each script stays a standalone command.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** utime + stime of a process so far, in clock ticks (`getconf CLK_TCK`, 100 here). */
export function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Median, range and spread of repeated measurements, with the values themselves. */
export function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const [min, max] = [sorted[0], sorted[sorted.length - 1]];
  return { median, min, max, spreadPct: (100 * (max - min)) / median, values };
}

export function fmt(value, digits) {
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** A path relative to the repository root, for printing. */
export function relative(path) {
  return path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
}

/** Installed versions of packages, as recorded with each result. */
export function versions(names) {
  return Object.fromEntries(
    names.map((name) => [
      name,
      JSON.parse(readFileSync(`${ROOT}node_modules/${name}/package.json`, 'utf8')).version,
    ]),
  );
}

/** Writes bench/decisions/results/<name>-<record.date>.json and returns its path. */
export function writeResult(name, record) {
  const dir = new URL('results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = fileURLToPath(new URL(`${name}-${record.date.replace(/[:.]/g, '-')}.json`, dir));
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}
