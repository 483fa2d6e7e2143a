import { summarize } from '../report/percentiles';
import { sleep } from './monotonic-clock';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every Linux Node supports). */
const USER_HZ = 100;

/** A `kB` field of /proc/<pid>/status (`VmRSS`, `VmHWM`, `RssAnon` …) in KiB; NaN when absent. */
export function procStatusKiB(pid: number | 'self', field = 'VmRSS'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}

/** CPU time (user + system) the process used so far, in ms, with 10 ms resolution. */
export function procCpuMs(pid: number | 'self'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name, which may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / USER_HZ;
}

/** RSS of `pid` in KiB: the median of 5 readings 300 ms apart (GC makes single readings jumpy). */
export async function steadyRss(pid: number): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < 5; i++) {
    readings.push(procStatusKiB(pid));
    await sleep(300);
  }
  return summarize(readings).p50;
}
