import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

/** A running moto_server. */
export interface MotoServer {
  readonly endpoint: string;
  readonly port: number;
  readonly stop: () => Promise<void>;
}

/**
 * Runs the real server under a small Python guard that ends it when our stdin closes, so moto never
 * outlives this process, even when this process is killed.
 */
const GUARD = [
  'import signal, subprocess, sys',
  'signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))',
  'signal.signal(signal.SIGINT, lambda *_: sys.exit(0))',
  'p = subprocess.Popen(sys.argv[1:])',
  'try:',
  '    sys.stdin.read()',
  'finally:',
  '    p.terminate()',
  '    try:',
  '        p.wait(5)',
  '    except subprocess.TimeoutExpired:',
  '        p.kill()',
].join('\n');

const onPath = (command: string): string | undefined =>
  (process.env['PATH'] ?? '')
    .split(delimiter)
    .map((dir) => join(dir, command))
    .find((candidate) => existsSync(candidate));

/** Explains how to get moto when it is missing. */
export const MOTO_MISSING = [
  'moto_server was not found (neither `moto_server` on PATH nor `python3 -m moto.server`).',
  'Install it with:   pip install "moto[server]"',
  'or use the LocalStack target instead:   docker compose up -d && npm run deploy:local',
].join('\n');

/** The command that starts moto here, or undefined when moto is not installed. */
export const findMoto = (): string[] | undefined => {
  const python = onPath('python3');
  if (python === undefined) return undefined;
  const binary = onPath('moto_server');
  if (binary !== undefined) return [binary];
  const probe = spawnSync(python, ['-c', 'import moto.server'], { stdio: 'ignore' });
  return probe.status === 0 ? [python, '-m', 'moto.server'] : undefined;
};

/** A TCP port that is free on 127.0.0.1 right now. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

const portTaken = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });

const waitReady = async (endpoint: string, child: ChildProcess, output: () => string): Promise<void> => {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`moto_server exited with code ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not answer on ${endpoint} within 30 s:\n${output()}`);
};

/** Starts moto_server on 127.0.0.1:port and waits until it answers. */
export const startMoto = async (port: number): Promise<MotoServer> => {
  const command = findMoto();
  const python = onPath('python3');
  if (command === undefined || python === undefined) throw new Error(MOTO_MISSING);
  if (await portTaken(port))
    throw new Error(`port ${port} on 127.0.0.1 is taken: stop what uses it, or pass --port <another port>`);
  const child = spawn(python, ['-c', GUARD, ...command, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['pipe', 'ignore', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitReady(endpoint, child, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, port, stop };
};
