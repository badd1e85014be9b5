import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCli, type Parsed } from '../../../src/local/args';
import {
  COMMANDS,
  TARGET_OPTIONS,
  commandUsage,
  generalUsage,
  type CommandName,
} from '../../../src/local/cli-commands';

const context = { env: {}, cwd: '/repo' };
const parse = (...argv: string[]): Parsed => parseCli(argv, context);
const run = (...argv: string[]) => {
  const parsed = parse(...argv);
  if (parsed.kind !== 'run') throw new Error(`expected a command to run, got ${JSON.stringify(parsed)}`);
  return parsed.invocation;
};
const usageError = (...argv: string[]) => {
  const parsed = parse(...argv);
  if (parsed.kind !== 'usage-error') throw new Error(`expected a usage error, got ${JSON.stringify(parsed)}`);
  return parsed;
};
const names = Object.keys(COMMANDS) as CommandName[];
const LOCAL = { endpoint: 'http://127.0.0.1:4566', stage: 'local', region: 'us-east-1' };

describe('each command with its options', () => {
  test('demo: the events/ directory of the working directory unless --events says otherwise', () => {
    expect(run('demo')).toEqual({
      command: 'demo',
      verbose: false,
      events: join('/repo', 'events'),
      mode: 'standard',
    });
    expect(run('demo', '--verbose', '--events', 'elsewhere', '--mode', 'ordered')).toEqual({
      command: 'demo',
      verbose: true,
      events: 'elsewhere',
      mode: 'ordered',
    });
  });

  test('--mode is standard or ordered, nothing else', () => {
    expect(run('stack', '--mode', 'ordered')).toMatchObject({ mode: 'ordered' });
    expect(parse('stack', '--mode', 'fifo')).toMatchObject({
      kind: 'usage-error',
      message: "--mode must be one of standard, ordered, got 'fifo'",
    });
  });

  test('stack --settle-window takes 0 to 3600 seconds; absent, the stack keeps the topology window', () => {
    expect(run('stack', '--settle-window', '5')).toMatchObject({ settleWindowSeconds: 5 });
    expect(run('stack', '--settle-window', '0')).toMatchObject({ settleWindowSeconds: 0 });
    expect(run('stack')).not.toHaveProperty('settleWindowSeconds');
    for (const bad of ['-1', '3601', '2.5', 'soon'])
      expect(parse('stack', `--settle-window=${bad}`)).toMatchObject({
        kind: 'usage-error',
        message: `--settle-window must be an integer from 0 to 3600, got '${bad}'`,
      });
  });

  test('stack --no-workers runs only the emulators; workers takes the stack options and a log level', () => {
    expect(run('stack', '--no-workers')).toMatchObject({ workers: false });
    expect(run('workers', '--endpoint', 'http://127.0.0.1:4700', '--log-level', 'warn')).toEqual({
      command: 'workers',
      logLevel: 'WARN',
      target: { endpoint: 'http://127.0.0.1:4700', stage: 'local', region: 'us-east-1' },
    });
  });

  test('dev: the table in .dev-data of the working directory, port 4566, the typecheck on by default', () => {
    expect(run('dev')).toEqual({
      command: 'dev',
      port: 4566,
      dataDir: '/repo/.dev-data',
      logLevel: 'INFO',
      typecheck: true,
    });
    expect(
      run('dev', '--port', '4700', '--data-dir', 'd', '--visibility-timeout', '5', '--no-typecheck'),
    ).toMatchObject({ port: 4700, dataDir: '/repo/d', visibilityTimeoutSeconds: 5, typecheck: false });
    expect(usageError('dev', '--visibility-timeout', '0').message).toMatch(/1 to 43200/);
    expect(usageError('dev', '--visibility-timeout', '5s').message).toMatch(/1 to 43200/);
  });

  test('replay: one commandId or --dlq input|cache, not both, not neither', () => {
    expect(run('replay', 'abc-123')).toEqual({
      command: 'replay',
      request: { commandId: 'abc-123' },
      target: LOCAL,
    });
    expect(run('replay', '--dlq', 'cache')).toMatchObject({ request: { dlq: 'cache' } });
    expect(run('replay', '--dlq', 'input')).toMatchObject({ request: { dlq: 'input' } });
    expect(usageError('replay').message).toMatch(/either a commandId or --dlq/);
    expect(usageError('replay', 'a', '--dlq', 'cache').message).toMatch(/either a commandId or --dlq/);
    expect(usageError('replay', 'a', 'b').message).toMatch(/one commandId/);
    expect(usageError('replay', '--dlq', 'output').message).toMatch(/input or cache/);
    expect(commandUsage('replay')).toContain('usage: npm run replay -- [commandId] [options]');
  });

  test('reset takes the stack options only', () => {
    expect(run('reset')).toEqual({ command: 'reset', target: LOCAL });
    expect(usageError('reset', 'x').message).toMatch(/positional/i);
  });

  test('stack: --data-dir is resolved against the working directory; absent, the table lives in memory', () => {
    expect(run('stack', '--data-dir', '.local/data')).toMatchObject({ dataDir: '/repo/.local/data' });
    expect(run('stack', '--data-dir=/var/dir')).toMatchObject({ dataDir: '/var/dir' });
    expect(run('stack')).not.toHaveProperty('dataDir');
  });

  test('stack: port 4566, the HTTP producer on the next port, INFO logs by default', () => {
    expect(run('stack')).toEqual({
      command: 'stack',
      port: 4566,
      httpPort: 4567,
      logLevel: 'INFO',
      workers: true,
      mode: 'standard',
    });
    expect(run('stack', '--port', '4600')).toMatchObject({ port: 4600, httpPort: 4601 });
    expect(run('stack', '--port=4600', '--http-port', '8080', '--log-level', 'silent')).toEqual({
      command: 'stack',
      port: 4600,
      httpPort: 8080,
      logLevel: 'SILENT',
      workers: true,
      mode: 'standard',
    });
  });

  test('send: files in any position among the options', () => {
    expect(run('send', 'a.json', '--wait', 'dir', '--endpoint', 'http://127.0.0.1:4600')).toEqual({
      command: 'send',
      files: ['a.json', 'dir'],
      wait: true,
      via: { kind: 'sqs' },
      target: { ...LOCAL, endpoint: 'http://127.0.0.1:4600' },
    });
    expect(run('send', 'a.json')).toEqual({
      command: 'send',
      files: ['a.json'],
      wait: false,
      via: { kind: 'sqs' },
      target: LOCAL,
    });
  });

  test('send --via http: the embedded producer by default (endpoint port + 1), or --url', () => {
    expect(run('send', 'a.json', '--via', 'http', '--endpoint', 'http://127.0.0.1:4600')).toMatchObject({
      via: { kind: 'http', url: 'http://127.0.0.1:4601/commands' },
    });
    const url = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/commands';
    expect(run('send', 'a.json', '--via', 'http', '--url', url)).toMatchObject({
      via: { kind: 'http', url },
    });
  });

  test('send --via: refused when it cannot say where to post', () => {
    expect(usageError('send', 'a.json', '--via', 'smtp').message).toBe(
      "--via must be sqs or http, got 'smtp'",
    );
    expect(usageError('send', 'a.json', '--url', 'http://127.0.0.1:4567/commands').message).toBe(
      '--url goes with --via http',
    );
    expect(
      usageError('send', 'a.json', '--via', 'http', '--endpoint', 'https://sqs.eu-west-1.amazonaws.com')
        .message,
    ).toMatch(/^--via http needs --url/);
    expect(usageError('send', 'a.json', '--via', 'http', '--url', 'ftp://x/commands').message).toMatch(
      /^--url must be an http\(s\) URL/,
    );
  });

  test('state, rejections and dlq: the stack options, --json where it exists', () => {
    expect(run('state', '--json', '--stage', 'prod', '--region', 'eu-west-1')).toEqual({
      command: 'state',
      json: true,
      target: { ...LOCAL, stage: 'prod', region: 'eu-west-1' },
    });
    expect(run('rejections')).toEqual({ command: 'rejections', json: false, target: LOCAL });
    expect(run('dlq')).toEqual({ command: 'dlq', target: LOCAL });
    expect(usageError('dlq', '--json').message).toBe("unknown option '--json'");
  });

  test('the stack defaults come from AWS_ENDPOINT_URL and AWS_REGION when they are set', () => {
    const env = { AWS_ENDPOINT_URL: 'http://localhost:4000', AWS_REGION: 'eu-west-1' };
    expect(parseCli(['state'], { env, cwd: '/' })).toMatchObject({
      invocation: { target: { endpoint: 'http://localhost:4000', region: 'eu-west-1', stage: 'local' } },
    });
    expect(parseCli(['state', '--endpoint', 'http://127.0.0.1:1'], { env, cwd: '/' })).toMatchObject({
      invocation: { target: { endpoint: 'http://127.0.0.1:1' } },
    });
  });

  test('validate: files and nothing else', () => {
    expect(run('validate', 'events')).toEqual({ command: 'validate', files: ['events'] });
    expect(usageError('validate', '--endpoint', 'x', 'events').message).toBe("unknown option '--endpoint'");
  });
});

describe('usage errors (exit 2) name what is wrong and carry the usage of that command', () => {
  test.each([
    [['validate', '--bogus', 'events/01.json'], "unknown option '--bogus'", 'validate'],
    [['validate', '--quiet', 'events/01.json'], "unknown option '--quiet'", 'validate'],
    [['send', 'f.json', '-x'], "unknown option '-x'", 'send'],
    [['stack', '--allow-remote'], "unknown option '--allow-remote'", 'stack'],
    [['state', '--events', 'x'], "unknown option '--events'", 'state'],
    [['validate'], 'validate needs at least one file or directory', 'validate'],
    [['send', '--wait'], 'send needs at least one file or directory', 'send'],
    [['stack', '--port', '70000'], "--port must be an integer from 1 to 65535, got '70000'", 'stack'],
    [['stack', '--port', '0'], "--port must be an integer from 1 to 65535, got '0'", 'stack'],
    [['stack', '--port', '45.5'], "--port must be an integer from 1 to 65535, got '45.5'", 'stack'],
    [['stack', '--port', '0x10'], "--port must be an integer from 1 to 65535, got '0x10'", 'stack'],
    [['stack', '--port='], '--port needs a value', 'stack'],
    [['stack', '--http-port', '-1'], '--http-port', 'stack'],
    [['stack', '--http-port', 'http'], "--http-port must be an integer from 1 to 65535, got 'http'", 'stack'],
    [['stack', '--port', '65535'], '--port 65535 needs an --http-port', 'stack'],
    [
      ['stack', '--log-level', 'loud'],
      "--log-level must be one of DEBUG, INFO, WARN, ERROR, SILENT, got 'loud'",
      'stack',
    ],
    [['state', '--endpoint'], '--endpoint', 'state'],
    [['state', '--endpoint='], '--endpoint needs a value', 'state'],
    [['state', '--json=yes'], '--json', 'state'],
    [['state', 'extra'], "'extra'", 'state'],
    [['demo', 'events'], "'events'", 'demo'],
  ] as [string[], string, CommandName][])('%j', (argv, message, command) => {
    const parsed = usageError(...argv);
    expect(parsed.message).toContain(message);
    expect(parsed.usage).toBe(commandUsage(command));
  });

  test('an unknown command answers with the usage of the whole CLI', () => {
    expect(usageError('deploy')).toEqual({
      kind: 'usage-error',
      message: "unknown command 'deploy'",
      usage: generalUsage(),
    });
  });

  test('an unknown option no longer swallows the argument after it', () => {
    expect(usageError('validate', '--quiet', 'a.json').message).toBe("unknown option '--quiet'");
    expect(run('validate', '--', '--quiet')).toEqual({ command: 'validate', files: ['--quiet'] });
  });
});

describe('--help', () => {
  test.each(names)('%s --help and -h print its usage, even with other arguments', (name) => {
    expect(parse(name, '--help')).toEqual({ kind: 'help', text: commandUsage(name) });
    expect(parse(name, '-h')).toEqual({ kind: 'help', text: commandUsage(name) });
  });

  test('no command, help, --help: the usage of the whole CLI, naming every command', () => {
    for (const argv of [[], ['help'], ['--help'], ['-h']])
      expect(parseCli(argv, context)).toEqual({ kind: 'help', text: generalUsage() });
    for (const name of names) expect(generalUsage()).toContain(COMMANDS[name].npm);
  });

  test.each(names)('the usage of %s lists each of its options with its value and help', (name) => {
    const usage = commandUsage(name);
    expect(usage).toMatch(new RegExp(`^usage: ${COMMANDS[name].npm} -- `));
    for (const [option, spec] of Object.entries(COMMANDS[name].options)) {
      expect(usage).toContain(`--${option}${spec.value === undefined ? '' : ` ${spec.value}`}`);
      expect(usage).toContain(spec.help);
    }
    expect(usage).toContain('-h, --help');
  });
});

test('every command has its npm script, which runs the CLI with that command', () => {
  const { scripts } = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  for (const name of names) {
    const script = COMMANDS[name].npm === 'npm start' ? 'start' : COMMANDS[name].npm.replace('npm run ', '');
    expect(scripts[script]).toMatch(new RegExp(`src/local/cli\\.ts ${name}$`));
  }
});

describe("docs/cli.md's table of commands and options", () => {
  const page = readFileSync(join(__dirname, '../../../docs/cli.md'), 'utf8');
  const heading = '## Commands and their options\n';
  const start = page.indexOf(heading);
  const end = page.indexOf('\n## ', start + 1);
  const section = start === -1 ? '' : page.slice(start, end === -1 ? undefined : end);
  const rowOf = (name: CommandName) =>
    section.split('\n').find((line) => line.startsWith(`| \`${COMMANDS[name].npm}`)) ?? '';

  test.each(names)('documents every option of %s in its row, as --help names it', (name) => {
    const row = rowOf(name);
    expect(row).not.toBe('');
    for (const [option, spec] of Object.entries(COMMANDS[name].options)) {
      const label = `\`--${option}${spec.value === undefined ? '' : ` ${spec.value}`}\``;
      if (Object.hasOwn(TARGET_OPTIONS, option)) {
        expect(row).toContain('the stack options');
        expect(section).toContain(`| ${label}`);
      } else expect(row).toContain(label);
    }
  });

  test('documents no option that the CLI does not have', () => {
    const declared = new Set(['help', ...names.flatMap((n) => Object.keys(COMMANDS[n].options))]);
    const mentioned = [...section.matchAll(/`--([a-z-]+)/g)].map((m) => m[1]);
    expect(mentioned.length).toBeGreaterThan(0);
    expect(mentioned.filter((o) => o !== undefined && !declared.has(o))).toEqual([]);
  });
});
