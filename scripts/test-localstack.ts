/**
 * `npm run test:localstack [-- --keep]`: the target-agnostic end-to-end suites against LocalStack in
 * Docker. Checks Docker and Compose first (and stops at once, naming what is missing), then
 * `docker compose up -d --wait`, deploys the `local` (standard) and `local-ordered` (FIFO) stages,
 * finds the REST API's URL, runs `npm run test:e2e` with E2E_TARGET=localstack, prints a summary
 * table and tears LocalStack down unless `--keep`.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const ENDPOINT = 'http://127.0.0.1:4566';
const STAGES = { standard: 'local', ordered: 'local-ordered' } as const;
const SERVICE = 'user-directory';

/** What a command printed and how it ended (status null: it could not be started or timed out). */
interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const quiet = (command: string, args: string[], timeoutMs = 15_000, env = process.env): Ran => {
  const r = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs, env });
  return { status: r.error === undefined ? r.status : null, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
};

/** The Compose command line this machine has: the `docker compose` plugin, else `docker-compose`. */
export type Compose = readonly [string, ...string[]];

/**
 * Checks what `npm run test:localstack` needs, without starting anything: the docker CLI, a Docker
 * engine that answers, and Compose. Returns the compose command, or every problem found.
 */
export const preflight = (
  run: (command: string, args: string[]) => Ran = (c, a) => quiet(c, a),
): { compose: Compose } | { problems: string[] } => {
  const problems: string[] = [];
  const docker = run('docker', ['--version']);
  if (docker.status !== 0) {
    problems.push(
      'docker: no docker CLI on PATH (install Docker Engine: https://docs.docker.com/engine/install/)',
    );
  } else {
    const info = run('docker', ['info', '--format', '{{.ServerVersion}}']);
    if (info.status !== 0 || info.stdout.trim() === '') {
      const where = process.env['DOCKER_HOST'] ?? 'unix:///var/run/docker.sock';
      const why = (info.stderr.trim().split('\n')[0] ?? '') || 'no answer';
      problems.push(`docker: no Docker engine answers at ${where} (${why})`);
    }
  }
  let compose: Compose | undefined;
  if (docker.status === 0 && run('docker', ['compose', 'version']).status === 0)
    compose = ['docker', 'compose'];
  else if (run('docker-compose', ['version']).status === 0) compose = ['docker-compose'];
  else
    problems.push('compose: neither `docker compose` (the Compose plugin) nor `docker-compose` is installed');
  return problems.length === 0 && compose !== undefined ? { compose } : { problems };
};

/** One suite's line of the summary: its file and how many of its tests passed, failed or did not apply. */
export interface SuiteRow {
  readonly suite: string;
  readonly passed: number;
  readonly failed: number;
  readonly notApplicable: number;
}

interface JestJson {
  readonly testResults: readonly {
    readonly name: string;
    readonly assertionResults: readonly { readonly title: string; readonly status: string }[];
  }[];
}

/** The summary rows of a `jest --json` report: a test whose title says it does not apply counts apart. */
export const summarize = (report: JestJson): SuiteRow[] =>
  report.testResults
    .map((r) => {
      const na = (t: { title: string }) => /\[does not apply on [^:]+: /.test(t.title);
      return {
        suite: r.name.replace(/^.*\/test\/e2e\//, ''),
        passed: r.assertionResults.filter((t) => t.status === 'passed' && !na(t)).length,
        failed: r.assertionResults.filter((t) => t.status === 'failed').length,
        notApplicable: r.assertionResults.filter((t) => t.status === 'passed' && na(t)).length,
      };
    })
    .sort((a, b) => a.suite.localeCompare(b.suite));

/** The tests that did not apply, grouped by the reason they gave (from their titles). */
export const notApplicable = (report: JestJson): Map<string, string[]> => {
  const byReason = new Map<string, string[]>();
  for (const r of report.testResults)
    for (const t of r.assertionResults) {
      const m = /^(.*) \[does not apply on [^:]+: (.*)\]$/.exec(t.title);
      if (m?.[1] !== undefined && m[2] !== undefined)
        byReason.set(m[2], [
          ...(byReason.get(m[2]) ?? []),
          `${r.name.replace(/^.*\/test\/e2e\//, '')}: ${m[1]}`,
        ]);
    }
  return byReason;
};

/** The summary as a text table, with a total line. */
export const table = (rows: readonly SuiteRow[]): string => {
  const total = rows.reduce(
    (t, r) => ({
      suite: 'total',
      passed: t.passed + r.passed,
      failed: t.failed + r.failed,
      notApplicable: t.notApplicable + r.notApplicable,
    }),
    { suite: 'total', passed: 0, failed: 0, notApplicable: 0 },
  );
  const width = Math.max(5, ...rows.map((r) => r.suite.length));
  const line = (r: SuiteRow) =>
    `${r.suite.padEnd(width)}  ${String(r.passed).padStart(6)}  ${String(r.failed).padStart(6)}  ${String(r.notApplicable).padStart(14)}`;
  return [
    `${'suite'.padEnd(width)}  ${'passed'.padStart(6)}  ${'failed'.padStart(6)}  ${'not applicable'.padStart(14)}`,
    ...rows.map(line),
    line(total),
  ].join('\n');
};

const step = (what: string, command: string, args: string[], options: SpawnSyncOptions = {}): void => {
  process.stdout.write(`\n== ${what}: ${[command, ...args].join(' ')}\n`);
  const r = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', ...options });
  if (r.status !== 0) throw new Error(`${what} failed (${r.error?.message ?? `exit ${String(r.status)}`})`);
};

const restApiUrl = (): string => {
  const apis = quiet('aws', [
    '--endpoint-url',
    ENDPOINT,
    'apigateway',
    'get-rest-apis',
    '--query',
    `items[?name=='${STAGES.standard}-${SERVICE}'].id | [0]`,
    '--output',
    'text',
  ]);
  const id = apis.stdout.trim();
  if (apis.status !== 0 || id === '' || id === 'None')
    throw new Error(`no REST API named ${STAGES.standard}-${SERVICE} on LocalStack: ${apis.stderr.trim()}`);
  return `${ENDPOINT}/restapis/${id}/${STAGES.standard}/_user_request_`;
};

const HEALTHY = ['cloudformation', 'lambda', 'sqs', 'sns', 'dynamodb', 'kms'];

/** Polls LocalStack's /_localstack/health until the services the stack uses are up (at most 3 minutes). */
const waitForHealth = async (): Promise<void> => {
  process.stdout.write(`\n== wait for ${ENDPOINT}/_localstack/health: ${HEALTHY.join(', ')}\n`);
  let last = 'no answer';
  for (const deadline = Date.now() + 180_000; Date.now() < deadline;) {
    try {
      const health = (await (await fetch(`${ENDPOINT}/_localstack/health`)).json()) as {
        services?: Record<string, string>;
      };
      const down = HEALTHY.filter((s) => !['available', 'running'].includes(health.services?.[s] ?? ''));
      if (down.length === 0) return;
      last = `not yet: ${down.map((s) => `${s} ${health.services?.[s] ?? 'absent'}`).join(', ')}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  throw new Error(`LocalStack did not become healthy in 3 minutes (${last})`);
};

const main = async (args: readonly string[]): Promise<number> => {
  const unknown = args.filter((a) => a !== '--keep');
  if (unknown.length > 0) {
    process.stderr.write(
      `test:localstack: unknown option ${unknown.join(' ')} (usage: npm run test:localstack [-- --keep])\n`,
    );
    return 2;
  }
  const keep = args.includes('--keep');
  const checked = preflight();
  if ('problems' in checked) {
    process.stderr.write(
      `test:localstack needs Docker with a running engine and Compose; this machine lacks:\n${checked.problems
        .map((p) => `  - ${p}`)
        .join(
          '\n',
        )}\nThe same suites run on the embedded stack with: npm run test:e2e (see docs/e2e-targets.md)\n`,
    );
    return 1;
  }
  const [composeCommand, ...composeArgs] = checked.compose;
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: process.env['AWS_ACCESS_KEY_ID'] ?? 'test',
    AWS_SECRET_ACCESS_KEY: process.env['AWS_SECRET_ACCESS_KEY'] ?? 'test',
    AWS_REGION: process.env['AWS_REGION'] ?? 'us-east-1',
    AWS_DEFAULT_REGION: process.env['AWS_DEFAULT_REGION'] ?? 'us-east-1',
  };
  let code: number;
  try {
    step('start LocalStack', composeCommand, [...composeArgs, 'up', '-d', '--wait'], { env });
    await waitForHealth();
    for (const stage of Object.values(STAGES))
      step(`deploy the ${stage} stage`, 'npx', ['osls', 'deploy', '--stage', stage], { env });
    const httpUrl = restApiUrl();
    mkdirSync(join(ROOT, '.cache'), { recursive: true });
    const report = join(ROOT, '.cache/localstack-e2e.json');
    const e2e = spawnSync('npm', ['run', 'test:e2e', '--', '--json', `--outputFile=${report}`], {
      cwd: ROOT,
      stdio: 'inherit',
      env: {
        ...env,
        E2E_TARGET: 'localstack',
        E2E_ENDPOINT: ENDPOINT,
        E2E_STAGE: STAGES.standard,
        E2E_HTTP_URL: httpUrl,
      },
    });
    code = e2e.status ?? 1;
    const capabilities = readFileSync(join(ROOT, 'test/e2e/targets/localstack.json'), 'utf8');
    process.stdout.write(`\nLocalStack target (test/e2e/targets/localstack.json):\n${capabilities}\n`);
    const results = JSON.parse(readFileSync(report, 'utf8')) as JestJson;
    process.stdout.write(`${table(summarize(results))}\n`);
    for (const [reason, tests] of notApplicable(results))
      process.stdout.write(`\nnot applicable (${reason}):\n${tests.map((t) => `  ${t}`).join('\n')}\n`);
  } catch (error) {
    process.stderr.write(`test:localstack: ${(error as Error).message}\n`);
    code = 1;
  } finally {
    if (keep)
      process.stdout.write(
        `LocalStack keeps running (--keep): ${composeCommand} ${composeArgs.join(' ')} down --volumes stops it\n`,
      );
    else
      spawnSync(composeCommand, [...composeArgs, 'down', '--volumes'], { cwd: ROOT, stdio: 'inherit', env });
  }
  return code;
};

if (require.main === module)
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
