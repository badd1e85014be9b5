/**
 * The child processes of `npm run dev`: the workers (a new warm host on every reload) and the watch
 * typecheck (under src/local/emulators/guard.mjs). Each runs in its own process group, so a
 * terminal's Ctrl-C reaches only the dev process (which drains, then stops them), and none outlives
 * it, even after a SIGKILL of the dev process: each ends itself when its IPC channel closes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { EMULATORS_DIR } from './guarded-process';

/** A command running under a guard, its output read line by line. */
export interface LineProcess {
  readonly pid: number;
  /** Resolves with the exit code once the process is gone (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** Resolves when a line of output passes `test`, rejects if the process exits first. */
  readonly lineMatching: (test: (line: string) => boolean) => Promise<string>;
  /**
   * Asks the command to stop (SIGTERM: the workers let their batches in flight finish); the guard
   * kills it 5 s later if it is still there. Resolves once it is gone.
   */
  readonly stop: () => Promise<void>;
}

const STOP_BOUND_MS = 10_000;

const lineProcess = (child: ChildProcess, onLine: (line: string) => void): LineProcess => {
  const waiters = new Set<(line: string) => void>();
  for (const stream of [child.stdout, child.stderr])
    if (stream !== null)
      createInterface({ input: stream }).on('line', (line) => {
        onLine(line);
        waiters.forEach((waiter) => waiter(line));
      });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    pid: child.pid ?? -1,
    exited,
    lineMatching: (test) =>
      new Promise<string>((resolve, reject) => {
        const waiter = (line: string) => {
          if (!test(line)) return;
          waiters.delete(waiter);
          resolve(line);
        };
        waiters.add(waiter);
        void exited.then((code) => {
          if (!waiters.delete(waiter)) return;
          reject(new Error(`exited (code ${String(code)}) before it was ready`));
        });
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_BOUND_MS);
      await exited;
      clearTimeout(timer);
    },
  };
};

/** Runs `argv` (a program and its arguments) under the guard, passing each output line to `onLine`. */
export const runGuarded = (
  argv: readonly string[],
  options: { readonly cwd: string; readonly onLine: (line: string) => void },
): LineProcess =>
  lineProcess(
    fork(join(EMULATORS_DIR, 'guard.mjs'), [...argv], {
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
      execArgv: [],
    }),
    options.onLine,
  );

/** A warm worker host (src/local/worker-host.ts): its dependencies loaded, waiting to run a command. */
export interface WorkerHost extends LineProcess {
  /** Resolves once the dependencies are loaded; rejects if the host exits first. */
  readonly warm: Promise<void>;
  /** Runs a CLI command (e.g. `workers --endpoint URL`) with the project's code as it is on disk now. */
  readonly run: (args: readonly string[]) => void;
}

/**
 * Starts a worker host of the project at `root` in its own process group, with an IPC channel: it
 * ends itself when this process goes. Stopping sends SIGTERM (running workers let their batches in
 * flight finish), then SIGKILL after 10 s: what a killed batch held returns to its queue after the
 * visibility timeout, and its commands' markers keep them from being applied twice.
 */
export const forkWorkerHost = (root: string, onLine: (line: string) => void): WorkerHost => {
  const child = fork(join(root, 'src/local/worker-host.ts'), [], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
    execArgv: ['--import', 'tsx'],
  });
  const lines = lineProcess(child, onLine);
  const warm = new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    void lines.exited.then((code) => reject(new Error(`the worker host exited (code ${String(code)})`)));
  });
  warm.catch(() => undefined);
  return { ...lines, warm, run: (args) => child.send({ run: [...args] }) };
};

/** The project's TypeScript compiler, run by the current Node. */
export const tscArgv = (root: string, args: readonly string[]): string[] => [
  process.execPath,
  require.resolve('typescript/lib/tsc.js', { paths: [root] }),
  ...args,
];

/** The arguments of `npm run workers` against a target. */
export const workersArgs = (
  target: { readonly endpoint: string; readonly stage: string; readonly region: string },
  logLevel: string,
): string[] => [
  'workers',
  '--endpoint',
  target.endpoint,
  '--stage',
  target.stage,
  '--region',
  target.region,
  '--log-level',
  logLevel,
];
