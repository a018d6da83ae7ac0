/**
 * CPU time and RSS of the processes a benchmark involves, from /proc (kube-bench.main.ts): the controller
 * (this process), its children (e.g. the gateway fleet), and the rest of the machine's busy time.
 */
import fs from 'node:fs';
import { now, round } from './bench-harness.js';

/** Linux reports /proc CPU times in USER_HZ, 100 on every architecture Node supports. */
const USER_HZ = 100;

export interface CpuReading {
  readonly at: number;
  readonly self: NodeJS.CpuUsage;
  readonly procs: Record<string, number>;
  /** Busy CPU time of the whole machine (all cores), from /proc/stat. */
  readonly machineBusyMs: number;
}

/** utime + stime of a process in ms, from /proc (NaN when unreadable). */
export function procCpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state is field 3; utime and stime are fields 14 and 15.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
  } catch {
    return NaN;
  }
}

export function procRssMb(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? round(Number(m[1]) / 1024, 1) : NaN;
  } catch {
    return NaN;
  }
}

/** user + nice + system + irq + softirq + steal of every core, in ms (NaN when unreadable). */
export function machineBusyMs(): number {
  try {
    const cpu = fs
      .readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const busy = [0, 1, 2, 5, 6, 7].reduce((n, i) => n + (cpu[i] ?? 0), 0);
    return (busy * 1000) / USER_HZ;
  } catch {
    return NaN;
  }
}

/** The child process of this one whose command line contains `needle` (e.g. the gateway fleet). */
export function childPid(needle: string): number | undefined {
  try {
    for (const tid of fs.readdirSync(`/proc/${process.pid}/task`)) {
      const children = fs.readFileSync(`/proc/${process.pid}/task/${tid}/children`, 'utf8').trim();
      for (const pid of children.split(/\s+/).filter(Boolean).map(Number)) {
        if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle)) return pid;
      }
    }
  } catch {
    // no /proc: no figure
  }
  return undefined;
}

export function cpuReading(pids: Record<string, number | undefined>): CpuReading {
  return {
    at: now(),
    self: process.cpuUsage(),
    procs: Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, procCpuMs(pid)])),
    machineBusyMs: machineBusyMs(),
  };
}

/**
 * CPU ms used between two readings: the controller (this process), each child of the benchmark that
 * ran throughout, and `others`: the rest of the machine's busy time (other people's work; tick-rounded).
 */
export function cpuSpent(a: CpuReading, b: CpuReading): Record<string, number> {
  const spent: Record<string, number> = {
    controller: (b.self.user - a.self.user + b.self.system - a.self.system) / 1000,
  };
  for (const k of Object.keys(b.procs)) {
    const ms = b.procs[k]! - (a.procs[k] ?? NaN);
    if (!Number.isNaN(ms)) spent[k] = ms;
  }
  const ours = Object.values(spent).reduce((n, v) => n + v, 0);
  spent['others'] = b.machineBusyMs - a.machineBusyMs - ours;
  return Object.fromEntries(Object.entries(spent).map(([k, v]) => [k, round(v)]));
}

/** CPU time per process, in seconds (or, `perMs`, in ms). */
export const fmtCpu = (c: Record<string, number>, perMs = false): string =>
  Object.entries(c)
    .map(([k, v]) => (perMs ? `${k} ${round(v, 1)} ms` : `${k} ${round(v / 1000, 2)} s`))
    .join(', ');

/** How many of the machine's cores other work kept busy between two readings. */
export function othersCores(a: CpuReading, b: CpuReading): number {
  return round((cpuSpent(a, b)['others'] ?? NaN) / (b.at - a.at), 2);
}
