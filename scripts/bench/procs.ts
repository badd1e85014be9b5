/**
 * The processes of the stack, found generically: this process and every descendant of it (walked
 * through /proc by parent pid), each named by its command line (java/DynamoDBLocal, node/fauxqs,
 * python/moto_server, ...). Samples resident memory (VmRSS, and VmHWM at the end) and reads CPU time
 * (utime + stime) from /proc/<pid>/stat. Linux only; elsewhere it reports only this process.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';

const TICKS_PER_SECOND = 100;
/** Descendants that belong to the TypeScript runner (tsx), not to the stack. */
const TOOLING = new Set(['esbuild']);

/** A process of the stack. */
export interface StackProcess {
  readonly pid: number;
  readonly name: string;
}

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

const statFields = (pid: number): string[] | undefined => {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
};

/** Names a process by its command line: the interpreter or binary, then what it runs. */
export const nameOf = (argv: readonly string[], self: boolean): string => {
  if (self) return 'node (bench + handlers)';
  const exe = basename(argv[0] ?? '?');
  const joined = argv.join(' ');
  const known = ['DynamoDBLocal', 'fauxqs', 'moto_server', 'moto.server', 'localstack'].find((k) =>
    joined.includes(k),
  );
  const guard = argv[1] === '-c' && joined.includes('subprocess') ? ' guard' : '';
  return known === undefined ? exe : `${exe} ${known.replace('.', '_')}${guard}`;
};

/** This process and all its descendants, named. */
export const stackProcesses = (): StackProcess[] => {
  const parent = new Map<number, number>();
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  } catch {
    return [{ pid: process.pid, name: nameOf([], true) }];
  }
  for (const pid of pids) {
    const fields = statFields(pid);
    if (fields !== undefined) parent.set(pid, Number(fields[1]));
  }
  const isDescendant = (pid: number): boolean => {
    for (
      let p = parent.get(pid), hops = 0;
      p !== undefined && p > 1 && hops < 50;
      p = parent.get(p), hops += 1
    )
      if (p === process.pid) return true;
    return false;
  };
  const found = pids.filter((pid) => pid === process.pid || isDescendant(pid));
  const named = found
    .map((pid) => ({
      pid,
      name: nameOf((read(`/proc/${pid}/cmdline`) ?? '').split('\0').filter(Boolean), pid === process.pid),
    }))
    .filter((p) => !TOOLING.has(p.name));
  const counts = new Map<string, number>();
  for (const p of named) counts.set(p.name, (counts.get(p.name) ?? 0) + 1);
  return named.map((p) => ((counts.get(p.name) ?? 0) > 1 ? { ...p, name: `${p.name} (${p.pid})` } : p));
};

/** CPU time of a process in ms (user + system), undefined when it is gone. */
export const cpuMsOf = (pid: number): number | undefined => {
  const fields = statFields(pid);
  if (fields === undefined) return undefined;
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
};

/** A /proc/<pid>/status field in MB (VmRSS, VmHWM). */
export const memoryMbOf = (pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined => {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(read(`/proc/${pid}/status`) ?? '');
  return match?.[1] === undefined ? undefined : Number(match[1]) / 1024;
};

/** Samples the stack's processes every `everyMs` while running: peak RSS per process name. */
export const startRssSampler = (everyMs = 250) => {
  const peaks = new Map<string, number>();
  // The process list is walked every 8th sample only: walking /proc costs the measured process CPU.
  let known: StackProcess[] = [];
  let tick = 0;
  const sample = () => {
    if (tick % 8 === 0) known = stackProcesses();
    tick += 1;
    for (const p of known) {
      const rss = memoryMbOf(p.pid, 'VmRSS');
      if (rss !== undefined) peaks.set(p.name, Math.max(peaks.get(p.name) ?? 0, rss));
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  timer.unref();
  return {
    stop: (): Map<string, number> => {
      clearInterval(timer);
      tick = 0;
      sample();
      return peaks;
    },
  };
};

/** CPU ms of every stack process at this moment, by name. */
export const cpuSnapshot = (): Map<string, number> => {
  const out = new Map<string, number>();
  for (const p of stackProcesses()) {
    if (p.pid === process.pid) continue;
    const ms = cpuMsOf(p.pid);
    if (ms !== undefined) out.set(p.name, ms);
  }
  return out;
};
