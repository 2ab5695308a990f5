// CPU seconds per process of the stack, read from /proc/<pid>/stat (utime + stime of a process
// and its live descendants, plus cutime + cstime of those already reaped), so that a bench can
// say where the time went. The stack's pids come from the pid files of deploy/local/stack.sh
// under $MAGICAI_STACK_HOME/run. The services are shared: other work on the box counts too.
import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** The products the issue names, by the stack's pid-file name. */
const STACK_PROCESSES: [string, string][] = [
  ['Temporal server', 'temporal'],
  ['Elasticsearch', 'elasticsearch'],
  ['PostgreSQL', 'postgres'],
  ['Neo4j', 'neo4j'],
  ['model server', 'llm'],
];

interface Stat {
  ppid: number;
  own: number;
  reaped: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at index 3 (state).
    const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    const n = (i: number) => Number(fields[i - 3]);
    return { ppid: n(4), own: n(14) + n(15), reaped: n(16) + n(17) };
  } catch {
    return undefined;
  }
}

/** CPU ticks of `root` and every live descendant (with what they reaped). */
function treeTicks(root: number, all: Map<number, Stat>): number {
  const children = new Map<number, number[]>();
  for (const [pid, stat] of all) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  let total = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    const stat = all.get(pid);
    if (!stat) continue;
    total += stat.own + stat.reaped;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

function allStats(): Map<number, Stat> {
  const all = new Map<number, Stat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) all.set(Number(entry), stat);
  }
  return all;
}

function stackPids(): [string, number][] {
  const run = path.join(process.env.MAGICAI_STACK_HOME ?? path.resolve(__dirname, '../../.stack'), 'run');
  const pids: [string, number][] = [];
  for (const [name, file] of STACK_PROCESSES) {
    try {
      pids.push([name, Number(readFileSync(path.join(run, `${file}.pid`), 'utf8').trim())]);
    } catch {
      // not running under this stack home: left out of the report
    }
  }
  return pids;
}

export type CpuSnapshot = Map<string, number>;

/** Seconds of CPU so far per process; `extra` names more processes (e.g. a worker). */
export function cpuSnapshot(extra: Record<string, number> = {}): CpuSnapshot {
  const all = allStats();
  const snapshot: CpuSnapshot = new Map();
  for (const [name, pid] of [...stackPids(), ...Object.entries(extra)]) snapshot.set(name, treeTicks(pid, all) / TICKS_PER_SECOND);
  return snapshot;
}

/** CPU seconds per unit of work between two snapshots, one line. */
export function cpuPerUnit(before: CpuSnapshot, after: CpuSnapshot, units: number, unit = 'product'): string {
  const parts = [...after].map(([name, seconds]) => `${name} ${(((seconds - (before.get(name) ?? 0)) * 1000) / units).toFixed(1)} ms`);
  return `CPU per ${unit}: ${parts.join(', ')}`;
}

/** CPU seconds per unit between two snapshots, all processes together. */
export function totalCpuPerUnit(before: CpuSnapshot, after: CpuSnapshot, units: number): number {
  return [...after].reduce((sum, [name, seconds]) => sum + seconds - (before.get(name) ?? 0), 0) / units;
}

/** Cores of this box (the ceiling of CPU seconds per second). */
export const cores = () => availableParallelism();

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident set size of a process in bytes (0 once it has exited). */
export const rssBytes = (pid: number) => statusField(pid, 'VmRSS');

/** The kernel's high-water mark of a process's resident set, in bytes (0 once it has exited). */
export const peakRssBytes = (pid: number) => statusField(pid, 'VmHWM');

/** Load average of the box (1, 5, 15 minutes), for the report. */
export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}
