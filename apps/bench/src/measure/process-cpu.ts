import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND =
  Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/**
 * CPU time a process has used so far, in microseconds; 0 once it is gone. Summed over its threads
 * from /proc/<pid>/task/<tid>/schedstat (nanoseconds), so a short fixed-rate run is measured to
 * the microsecond instead of to the 10 ms tick of /proc/<pid>/stat, which is the fallback.
 */
export function cpuMicros(pid: number): number {
  try {
    let nanos = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      nanos += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    }
    if (Number.isFinite(nanos) && nanos > 0) return nanos / 1000;
  } catch {
    // No schedstat (a kernel without CONFIG_SCHEDSTATS) or the process is gone.
  }
  return cpuMicrosFromTicks(pid);
}

function cpuMicrosFromTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks / TICKS_PER_SECOND) * 1e6;
  } catch {
    return 0;
  }
}

/** Pids of every process whose command name is `name` (e.g. all postgres backends). */
export function pidsNamed(name: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
      } catch {
        return false;
      }
    });
}

/** A set of processes whose CPU is measured together between two points in time. */
export class CpuMeter {
  private start = new Map<string, number>();

  constructor(private readonly groups: Record<string, () => number[]>) {}

  begin(): void {
    this.start = new Map(Object.entries(this.groups).map(([name, pids]) => [name, total(pids())]));
  }

  /** Microseconds of CPU each group used since `begin()`. */
  end(): Record<string, number> {
    return Object.fromEntries(
      Object.entries(this.groups).map(([name, pids]) => [
        name,
        total(pids()) - (this.start.get(name) ?? 0),
      ]),
    );
  }
}

function total(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + cpuMicros(pid), 0);
}
