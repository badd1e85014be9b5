/**
 * The command line itself, with no stack: `npm run validate` verdicts and exit codes, usage errors
 * (exit 2) and --help. Target-agnostic: nothing here talks to a stack, so it runs the same with or
 * without E2E_ENDPOINT.
 */
import { join } from 'node:path';
import { EVENTS, npmRun, SEEDS } from '../support/e2e';

const cli = (args: string[]) => npmRun(args);

describe('npm run validate', () => {
  test('prints each verdict with every reason and exits 1 when a file is rejected', async () => {
    const result = await cli(['validate', '--', join(SEEDS, 'by-id')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^OK {8}.*GROUP_CREATED_ADM\.json\n {10}\{"type":"GROUP_CREATED","name":"Administrators"\}$/m,
    );
    expect(result.stdout).toMatch(
      /^REJECTED {2}.*USER_DELETED\.json\n {10}- eventData\.id: must be a user id/m,
    );
    expect(result.stdout).toContain('"password":"***"');
    expect(result.stdout).not.toContain('hardpass');
  }, 60_000);

  test('exits 0 when every file is accepted', async () => {
    const result = await cli([
      'validate',
      '--',
      join(EVENTS, '01-group-created-engineering.json'),
      join(EVENTS, '04-user-created-ana.json'),
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout.match(/^OK /gm)).toHaveLength(2);
  }, 60_000);
});

describe('the command line of each command', () => {
  const file = join(EVENTS, '01-group-created-engineering.json');

  test('an unknown option is named on stderr with the usage of its command, exit 2, and swallows no file', async () => {
    const options = ['--bogus', '--quiet'];
    const results = await Promise.all(options.map((option) => cli(['validate', '--', option, file])));
    for (const [i, result] of results.entries()) {
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`error: unknown option '${options[i] ?? ''}'`);
      expect(result.stderr).toContain('usage: npm run validate -- <file|dir>... [options]');
      expect(result.stderr).not.toContain('needs at least one file');
      expect(result.stdout).toBe('');
    }
  }, 60_000);

  test('a missing file argument and a port that is no port are usage errors too, exit 2', async () => {
    const [noFile, badPort] = await Promise.all([cli(['validate']), cli(['stack', '--', '--port', '70000'])]);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('error: validate needs at least one file or directory');
    expect(noFile.stderr).toContain('usage: npm run validate --');
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain("error: --port must be an integer from 1 to 65535, got '70000'");
    expect(badPort.stderr).toContain('usage: npm run stack -- [options]');
    expect(badPort.stdout).toBe('');
  }, 60_000);

  test('--help prints the usage of that command with its options on stdout, exit 0', async () => {
    const [state, demo] = await Promise.all([cli(['state', '--', '--help']), cli(['start', '--', '--help'])]);
    expect(state.code).toBe(0);
    expect(state.stdout).toMatch(/^usage: npm run state -- \[options\]$/m);
    for (const option of ['--json', '--endpoint URL', '--stage NAME', '--region R'])
      expect(state.stdout).toContain(option);
    expect(demo.code).toBe(0);
    for (const option of ['--verbose', '--events PATH']) expect(demo.stdout).toContain(option);
  }, 60_000);
});
