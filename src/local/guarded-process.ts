import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** An emulator running in its own process, which ends when this process goes (even on SIGKILL). */
export interface GuardedProcess {
  readonly name: string;
  /** The guard's process id (the JVM for DynamoDB Local is its child). */
  readonly pid: number;
  /** The last few KB the process wrote to stdout and stderr. */
  readonly output: () => string;
  /** Resolves on the first IPC message the process sends (fauxqs: once it listens). */
  readonly messaged: Promise<void>;
  /** Sends an IPC message and resolves on the process's next message (its acknowledgement). */
  readonly ask: (message: object) => Promise<void>;
  /** Rejects with the output when the process exits before `stop` is called. */
  readonly exited: Promise<void>;
  readonly stop: () => Promise<void>;
}

/** The directory of the plain-JavaScript process entry points (run without a loader). */
export const EMULATORS_DIR = join(__dirname, 'emulators');

/**
 * Forks a plain-JavaScript entry point of src/local/emulators/ with an IPC channel, in its own process
 * group (so a terminal's Ctrl-C reaches only us, and we stop it after draining). The entry point ends
 * itself when the channel closes; stopping closes it, then kills after 10 s.
 */
export const forkGuarded = (name: string, script: string, args: readonly string[]): GuardedProcess => {
  const child: ChildProcess = fork(join(EMULATORS_DIR, script), [...args], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
    execArgv: ['--disable-warning=ExperimentalWarning'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let stopping = false;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const exited = gone.then(() => {
    if (!stopping) throw new Error(`${name} exited (code ${String(child.exitCode)}):\n${output}`);
  });
  exited.catch(() => undefined);
  const messaged = new Promise<void>((resolve) => child.once('message', () => resolve()));
  return {
    name,
    pid: child.pid ?? -1,
    output: () => output,
    messaged,
    ask: (message) =>
      new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.send(message, (error) => (error === null ? undefined : reject(error)));
      }),
    exited,
    stop: async () => {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
};

/** Waits for `ready` or for the process to die first, whichever comes first, up to `timeoutMs`. */
export const untilReady = async (
  process: GuardedProcess,
  ready: Promise<void>,
  timeoutMs: number,
): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new Error(`${process.name} was not ready within ${timeoutMs / 1000} s:\n${process.output()}`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([ready, process.exited.then(() => Promise.reject(new Error('stopped'))), timeout]);
  } finally {
    clearTimeout(timer);
  }
};
