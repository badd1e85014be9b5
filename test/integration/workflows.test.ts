import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import embeddedOnly from '../e2e/embedded-only.json';

// The GitHub workflows: valid against the workflow schema (@action-validator/cli, WebAssembly, offline),
// every action pinned to a full version, and the LocalStack job running the same e2e command as the
// embedded job, on the same files minus the explicitly listed embedded-only suites.

const run = promisify(execFile);
const ROOT = join(__dirname, '../..');
const DIR = join(ROOT, '.github/workflows');
const VALIDATOR = join(ROOT, 'node_modules/@action-validator/cli/cli.mjs');

type Step = { name?: string; uses?: string; run?: string; if?: string; env?: Record<string, string> };
type Job = {
  'runs-on'?: string;
  uses?: string;
  needs?: string;
  env?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown> };
  steps?: Step[];
};
type Workflow = {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
};

const files = readdirSync(DIR).filter((f) => f.endsWith('.yml'));
const workflow = (file: string) => parse(readFileSync(join(DIR, file), 'utf8')) as Workflow;
const steps = (w: Workflow, job: string): Step[] => w.jobs[job]?.steps ?? [];
const runs = (w: Workflow, job: string) => steps(w, job).flatMap((s) => (s.run === undefined ? [] : [s.run]));

test('the workflows are ci.yml and deploy.yml', () => {
  expect(files.sort()).toEqual(['ci.yml', 'deploy.yml']);
});

test.each(files)('%s passes action-validator', async (file) => {
  const result = await run(process.execPath, [VALIDATOR, join(DIR, file)]).then(
    () => ({ code: 0, stderr: '' }),
    (e: { code: number; stderr: string }) => e,
  );
  expect(result).toEqual({ code: 0, stderr: '' });
});

test('action-validator refuses a broken workflow (the check can fail)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'workflow-'));
  const broken = join(dir, 'broken.yml');
  writeFileSync(broken, 'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    stepz: []\n');
  try {
    await expect(run(process.execPath, [VALIDATOR, broken])).rejects.toMatchObject({ code: 1 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.each(files)('%s pins every action to a full version tag or a commit', (file) => {
  const uses = Object.values(workflow(file).jobs).flatMap((job) => [
    ...(job.uses === undefined ? [] : [job.uses]),
    ...(job.steps ?? []).flatMap((s) => (s.uses === undefined ? [] : [s.uses])),
  ]);
  expect(uses.length).toBeGreaterThan(0);
  for (const use of uses)
    expect(use).toMatch(
      /^(\.\/\.github\/workflows\/[a-z-]+\.yml|[\w-]+\/[\w-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40}))$/,
    );
});

describe('ci.yml', () => {
  const ci = workflow('ci.yml');

  test("the LocalStack job and the deploy run on the Node of the functions' Lambda runtime", () => {
    const runtime = /^\s+runtime: nodejs(\d+)\.x$/m.exec(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'));
    expect(runtime).not.toBeNull();
    const setupNode = (w: Workflow, job: string) =>
      steps(w, job).find((s) => s.uses?.startsWith('actions/setup-node@')) as {
        with?: Record<string, unknown>;
      };
    expect(setupNode(ci, 'localstack').with?.['node-version']).toBe(Number(runtime?.[1]));
    expect(setupNode(workflow('deploy.yml'), 'deploy').with?.['node-version']).toBe(Number(runtime?.[1]));
  });

  test('runs on push and pull request, on Node 22 and 24 (matrix) with npm cache and Java 17, typecheck, lint, unit, integration, e2e', () => {
    expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
    expect(ci.jobs['test']?.strategy?.matrix?.['node']).toEqual([22, 24]);
    const node = steps(ci, 'test').find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(node).toMatchObject({ with: { 'node-version': '${{ matrix.node }}', cache: 'npm' } });
    const java = steps(ci, 'test').find((s) => s.uses?.startsWith('actions/setup-java@'));
    expect(java).toMatchObject({ with: { 'java-version': '17' } });
    expect(runs(ci, 'test')).toEqual(
      expect.arrayContaining([
        'npm run typecheck',
        'npm run lint',
        'npm run test:unit',
        'npm run test:integration',
        'npm run test:e2e',
      ]),
    );
  });

  test('the LocalStack job runs npm run test:localstack (kept up for the logs), uploads the logs on failure, always stops it', () => {
    expect(runs(ci, 'localstack')).toContain('npm run test:localstack -- --keep');
    expect(ci.jobs['localstack']?.env?.['E2E_ENDPOINT']).toBeUndefined();
    const upload = steps(ci, 'localstack').find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.if).toBe('failure()');
    const stop = steps(ci, 'localstack').at(-1);
    expect(stop).toMatchObject({ if: 'always()', run: 'docker compose down --volumes' });
  });

  test('test:localstack: compose up --wait, health, both stages deployed, then the e2e command of the embedded job', () => {
    const source = readFileSync(join(ROOT, 'scripts/test-localstack.ts'), 'utf8');
    const order = [
      "'up', '-d', '--wait'",
      'await waitForHealth()',
      "'osls', 'deploy', '--stage', stage",
      "'run', 'test:e2e'",
    ];
    for (const text of order) expect(source).toContain(text);
    expect(order.map((text) => source.indexOf(text))).toEqual(
      order.map((text) => source.indexOf(text)).sort((a, b) => a - b),
    );
    const embedded = steps(ci, 'test').filter((s) => s.run?.includes('test:e2e'));
    expect(embedded.map((s) => s.run)).toEqual(['npm run test:e2e']);
    expect(embedded[0]?.env?.['E2E_ENDPOINT']).toBeUndefined();
    expect(ci.jobs['test']?.env?.['E2E_ENDPOINT']).toBeUndefined();
  });

  test('test:e2e: the agnostic suites on an endpoint, the embedded-only ones (with remote-target, which runs the agnostic ones) without', async () => {
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts['test:e2e']).toBe('node scripts/require-node.cjs && jest test/e2e');
    const list = async (env: NodeJS.ProcessEnv, paths = ['test/e2e']) =>
      (
        await run(process.execPath, [join(ROOT, 'node_modules/jest/bin/jest.js'), '--listTests', ...paths], {
          cwd: ROOT,
          env: { ...process.env, E2E_ENDPOINT: '', ...env },
        })
      ).stdout
        .trim()
        .split('\n')
        .map((f) => relative(join(ROOT, 'test/e2e'), f))
        .sort();
    const embedded = await list({});
    const localstack = await list({ E2E_ENDPOINT: 'http://127.0.0.1:4566', E2E_STAGE: 'local' });
    const suites = readdirSync(join(ROOT, 'test/e2e'))
      .filter((f) => f.endsWith('.test.ts'))
      .sort();
    // on the embedded target the agnostic suites run inside remote-target.test.ts (against npm run stack)
    expect(embedded).toEqual(suites.filter((f) => f in embeddedOnly.suites));
    expect(embedded).toContain('remote-target.test.ts');
    expect(localstack).toEqual(suites.filter((f) => !(f in embeddedOnly.suites)));
    expect(localstack).toEqual(expect.arrayContaining(['events.test.ts', 'delivery.test.ts']));
    // named on the command line, an agnostic suite runs on a private stack of its own
    expect(await list({}, ['test/e2e/events.test.ts'])).toEqual(['events.test.ts']);
  }, 60_000);
});

describe('deploy.yml', () => {
  const deploy = workflow('deploy.yml');

  test('on a version tag and by hand; OIDC (id-token: write, contents: read), no stored AWS keys', () => {
    expect(deploy.on).toEqual({ push: { tags: ['v*'] }, workflow_dispatch: null });
    expect(deploy.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
    const credentials = steps(deploy, 'deploy').find((s) =>
      s.uses?.startsWith('aws-actions/configure-aws-credentials@'),
    ) as Step & { with: Record<string, string> };
    expect(credentials.with['role-to-assume']).toMatch(/AWS_DEPLOY_ROLE_ARN/);
    const text = readFileSync(join(DIR, 'deploy.yml'), 'utf8');
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/);
  });

  test('CI first, then osls deploy --stage prod, then the smoke test', () => {
    expect(deploy.jobs['ci']?.uses).toBe('./.github/workflows/ci.yml');
    expect(deploy.jobs['deploy']?.needs).toBe('ci');
    const commands = runs(deploy, 'deploy');
    const at = (text: string) => commands.findIndex((c) => c.includes(text));
    expect(at('npx osls deploy --stage prod')).toBeGreaterThan(-1);
    expect(at('npm run smoke -- --stage prod')).toBeGreaterThan(at('npx osls deploy --stage prod'));
  });
});
