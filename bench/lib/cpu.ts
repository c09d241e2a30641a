// CPU time of processes (from /proc/<pid>/stat), to say who spent what during a phase of a benchmark.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** utime + stime of a process, in ms; NaN when it is gone. */
export function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return NaN;
  }
}

/** The pid of the oldest process with exactly this name, or undefined. */
export function pidOf(name: string): number | undefined {
  try {
    const out = execFileSync('pgrep', ['-o', '-x', name], { encoding: 'utf8', timeout: 2_000 });
    return Number(out.trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** Starts counting the CPU of the given processes; the result gives each one's ms since. */
export function cpuMeter(pids: Record<string, number | undefined>): () => Record<string, number> {
  const start = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, p ? cpuMs(p) : NaN]));
  return () => Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, p ? cpuMs(p) - start[k]! : NaN]));
}
