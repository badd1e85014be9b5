import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

// `npm run test:localstack` on a machine that cannot run LocalStack stops at once, naming what is
// missing, before it starts or deploys anything. Both cases are made real here whatever the machine
// has: a PATH with no docker CLI, and a Docker CLI pointed at a socket where no engine listens.

const run = promisify(execFile);
const ROOT = join(__dirname, '../..');
const script = join(ROOT, 'scripts/test-localstack.ts');

const testLocalstack = (env: NodeJS.ProcessEnv, args: string[] = []) =>
  run(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, env, timeout: 30_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

test('without a docker CLI on PATH: exit 1 in seconds, naming docker and Compose, no stack trace', async () => {
  const bin = mkdtempSync(join(tmpdir(), 'no-docker-'));
  symlinkSync(process.execPath, join(bin, 'node'));
  try {
    const started = Date.now();
    const result = await testLocalstack({ ...process.env, PATH: bin });
    expect(result.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(result.stderr).toContain('test:localstack needs Docker with a running engine and Compose');
    expect(result.stderr).toContain('docker: no docker CLI on PATH');
    expect(result.stderr).toContain('compose: neither `docker compose`');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).not.toContain('== start LocalStack');
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}, 30_000);

test('with a docker CLI but no engine answering: exit 1, naming the socket it asked', async () => {
  const docker = await run('sh', ['-c', 'command -v docker']).then(
    (r) => r.stdout.trim(),
    () => '',
  );
  const socket = join(mkdtempSync(join(tmpdir(), 'no-engine-')), 'docker.sock');
  const env = { ...process.env, DOCKER_HOST: `unix://${socket}` };
  const result = await testLocalstack(docker === '' ? { ...env, PATH: dirname(process.execPath) } : env);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(
    docker === '' ? 'docker: no docker CLI on PATH' : `docker: no Docker engine answers at unix://${socket}`,
  );
  expect(result.stdout).not.toContain('== start LocalStack');
  rmSync(dirname(socket), { recursive: true, force: true });
}, 30_000);

test('an unknown option is refused with the usage, exit 2, before any check', async () => {
  const result = await testLocalstack(process.env, ['--kep']);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('unknown option --kep (usage: npm run test:localstack [-- --keep])');
});
