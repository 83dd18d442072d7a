// What the decision benchmarks (bench/decisions/*.js) share: CPU from /proc, summary statistics,
// number formatting and where raw results go. Each script stays a standalone command.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * On-CPU time of a process so far in µs, summed over its threads from
 * /proc/<pid>/task/<tid>/schedstat (nanoseconds): precise enough for a few thousand requests,
 * where 10 ms ticks are not. Falls back to the ticks where schedstat is missing.
 */
export function cpuMicros(pid) {
  try {
    let nanos = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      nanos += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    }
    if (Number.isFinite(nanos) && nanos > 0) return nanos / 1000;
  } catch {
    // no schedstat on this kernel
  }
  return cpuTicks(pid) * 1e4;
}

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
