/**
 * The CLI's command line, parsed without side effects: each command declares its options, parsed
 * strictly by `node:util` parseArgs; the usage texts are rendered from the same declarations.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/** Where a command finds the stack it talks to. */
export interface TargetArgs {
  readonly endpoint: string;
  readonly stage: string;
  readonly region: string;
}

/** The handlers' log levels the embedded stack accepts. */
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A command with its arguments checked and its defaults filled in. */
export type Invocation =
  | { readonly command: 'demo'; readonly verbose: boolean; readonly events: string }
  | {
      readonly command: 'stack';
      readonly port: number;
      readonly httpPort: number;
      readonly logLevel: LogLevel;
    }
  | {
      readonly command: 'send';
      readonly files: string[];
      readonly wait: boolean;
      readonly target: TargetArgs;
    }
  | { readonly command: 'state' | 'rejections'; readonly json: boolean; readonly target: TargetArgs }
  | { readonly command: 'dlq'; readonly target: TargetArgs }
  | { readonly command: 'validate'; readonly files: string[] };

/** What to do with a command line: run it, print a usage (exit 0), or refuse it with a usage (exit 2). */
export type Parsed =
  | { readonly kind: 'run'; readonly invocation: Invocation }
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'usage-error'; readonly message: string; readonly usage: string };

/** One declared option: its parseArgs type, the placeholder of its value and one line of help. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly value?: string;
  readonly short?: string;
  readonly help: string;
}

/** One command: how it is run through npm, what it does, whether it takes files, its options. */
export interface CommandSpec {
  readonly npm: string;
  readonly summary: string;
  readonly files: boolean;
  readonly options: Readonly<Record<string, OptionSpec>>;
}

/** The options of every command that talks to a stack. */
export const TARGET_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  endpoint: {
    type: 'string',
    value: 'URL',
    help: 'the stack to talk to (default $AWS_ENDPOINT_URL, else http://127.0.0.1:4566)',
  },
  stage: { type: 'string', value: 'NAME', help: 'the stage in the resource names (default local)' },
  region: { type: 'string', value: 'R', help: 'the AWS region (default $AWS_REGION, else us-east-1)' },
};
const JSON_OPTION: OptionSpec = {
  type: 'boolean',
  help: 'print one JSON document on stdout instead of tables',
};
const HELP: Record<string, OptionSpec> = { help: { type: 'boolean', short: 'h', help: 'print this usage' } };

/** Every command of the CLI with its options (`--help`/`-h` is added to each). */
export const COMMANDS = {
  demo: {
    npm: 'npm start',
    summary:
      'boot the embedded stack, send the event files in order (each waited for), print the result, stop',
    files: false,
    options: {
      verbose: { type: 'boolean', help: "also print the handlers' JSON log lines" },
      events: {
        type: 'string',
        value: 'PATH',
        help: 'the event files to send: a directory (its *.json in name order) or one file (default events/)',
      },
    },
  },
  stack: {
    npm: 'npm run stack',
    summary: 'run the embedded stack in the foreground until Ctrl-C or SIGTERM',
    files: false,
    options: {
      port: { type: 'string', value: 'N', help: "the AWS endpoint's port, 1-65535 (default 4566)" },
      'http-port': {
        type: 'string',
        value: 'M',
        help: "the HTTP producer's port, 1-65535 (default the endpoint's port + 1)",
      },
      'log-level': {
        type: 'string',
        value: 'LEVEL',
        help: `the handlers' log level: ${LOG_LEVELS.join(', ')}, any case (default INFO)`,
      },
    },
  },
  send: {
    npm: 'npm run send',
    summary: 'send event files to the input queue (a directory: its *.json in name order)',
    files: true,
    options: {
      wait: { type: 'boolean', help: 'wait for each outcome and print it before sending the next file' },
      ...TARGET_OPTIONS,
    },
  },
  state: {
    npm: 'npm run state',
    summary: 'users, groups and memberships',
    files: false,
    options: { json: JSON_OPTION, ...TARGET_OPTIONS },
  },
  rejections: {
    npm: 'npm run rejections',
    summary: 'rejected commands with their reasons, oldest first',
    files: false,
    options: { json: JSON_OPTION, ...TARGET_OPTIONS },
  },
  dlq: {
    npm: 'npm run dlq',
    summary: 'what sits in each dead-letter queue, with receive counts (passwords masked)',
    files: false,
    options: { ...TARGET_OPTIONS },
  },
  validate: {
    npm: 'npm run validate',
    summary: 'check event files without sending them; exits 1 if any is rejected',
    files: true,
    options: {},
  },
} as const satisfies Record<string, CommandSpec>;

/** A command's name. */
export type CommandName = keyof typeof COMMANDS;
const isCommand = (name: string): name is CommandName => Object.hasOwn(COMMANDS, name);

const optionsOf = (name: CommandName): Readonly<Record<string, OptionSpec>> => ({
  ...COMMANDS[name].options,
  ...HELP,
});

const optionLabel = (name: string, spec: OptionSpec): string =>
  `${spec.short === undefined ? '' : `-${spec.short}, `}--${name}${spec.value === undefined ? '' : ` ${spec.value}`}`;

/** The usage of one command, as `npm run <command> -- --help` prints it. */
export const commandUsage = (name: CommandName): string => {
  const spec = COMMANDS[name];
  const options = Object.entries(optionsOf(name));
  const width = Math.max(...options.map(([o, s]) => optionLabel(o, s).length));
  return [
    `usage: ${spec.npm} -- ${spec.files ? '<file|dir>... ' : ''}[options]`,
    `  ${spec.summary}`,
    'options:',
    ...options.map(([o, s]) => `  ${optionLabel(o, s).padEnd(width)}  ${s.help}`),
  ].join('\n');
};

/** The usage of the whole CLI: every command, and how to see its options. */
export const generalUsage = (): string => {
  const names = Object.keys(COMMANDS) as CommandName[];
  const lines = names.map((n) => [`${COMMANDS[n].npm}${COMMANDS[n].files ? ' -- <file|dir>...' : ''}`, n]);
  const width = Math.max(...lines.map(([l]) => (l ?? '').length));
  return [
    'usage: npm start | npm run <command> -- [options]',
    ...lines.map(([l, n]) => `  ${(l ?? '').padEnd(width)}  ${COMMANDS[n as CommandName].summary}`),
    'Each prints its options with --help (npm start -- --help, npm run state -- --help, ...).',
  ].join('\n');
};

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

class UsageError extends Error {}

const stringOf = (values: Values, name: string, fallback: string): string => {
  const value = values[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} needs a value`);
  return value;
};

const portOf = (option: string, text: string): number => {
  const port = /^[0-9]{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535))
    throw new UsageError(`--${option} must be an integer from 1 to 65535, got '${text}'`);
  return port;
};

const logLevelOf = (text: string): LogLevel => {
  const level = LOG_LEVELS.find((l) => l === text.toUpperCase());
  if (level === undefined)
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got '${text}'`);
  return level;
};

/** The environment and directory the defaults come from. */
export interface CliContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

const targetOf = (values: Values, env: CliContext['env']): TargetArgs => ({
  endpoint: stringOf(values, 'endpoint', env['AWS_ENDPOINT_URL'] || 'http://127.0.0.1:4566'),
  stage: stringOf(values, 'stage', 'local'),
  region: stringOf(values, 'region', env['AWS_REGION'] || 'us-east-1'),
});

const invocationOf = (
  command: CommandName,
  values: Values,
  files: string[],
  context: CliContext,
): Invocation => {
  const flag = (name: string) => values[name] === true;
  switch (command) {
    case 'demo':
      return {
        command,
        verbose: flag('verbose'),
        events: stringOf(values, 'events', join(context.cwd, 'events')),
      };
    case 'stack': {
      const port = portOf('port', stringOf(values, 'port', '4566'));
      if (values['http-port'] === undefined && port === 65535)
        throw new UsageError('--port 65535 needs an --http-port (its default, port + 1, is no port)');
      return {
        command,
        port,
        httpPort: portOf('http-port', stringOf(values, 'http-port', String(port + 1))),
        logLevel: logLevelOf(stringOf(values, 'log-level', 'INFO')),
      };
    }
    case 'send':
      return { command, files, wait: flag('wait'), target: targetOf(values, context.env) };
    case 'state':
    case 'rejections':
      return { command, json: flag('json'), target: targetOf(values, context.env) };
    case 'dlq':
      return { command, target: targetOf(values, context.env) };
    case 'validate':
      return { command, files };
  }
};

/** The option a strict parse refused as unknown, found again by a lenient parse of the same arguments. */
const unknownOption = (
  args: readonly string[],
  known: Readonly<Record<string, OptionSpec>>,
): string | undefined =>
  parseArgs({
    args: [...args],
    options: known,
    strict: false,
    allowPositionals: true,
    tokens: true,
  }).tokens.flatMap((t) => (t.kind === 'option' && !Object.hasOwn(known, t.name) ? [t.rawName] : []))[0];

const parseCommand = (command: CommandName, args: readonly string[], context: CliContext): Parsed => {
  const spec = COMMANDS[command];
  const usage = commandUsage(command);
  const options = optionsOf(command);
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options,
      strict: true,
      allowPositionals: spec.files,
    });
    if (values['help'] === true) return { kind: 'help', text: usage };
    if (spec.files && positionals.length === 0)
      throw new UsageError(`${command} needs at least one file or directory`);
    return { kind: 'run', invocation: invocationOf(command, values, positionals, context) };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const name = unknownOption(args, options);
      if (name !== undefined) return { kind: 'usage-error', message: `unknown option '${name}'`, usage };
    }
    if (error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')))
      return { kind: 'usage-error', message: (error as Error).message, usage };
    throw error;
  }
};

/**
 * Parses a command line (the arguments after `cli.ts`): the command name, then its options and,
 * for `send` and `validate`, its files. Pure: defaults come from `context`.
 */
export const parseCli = (argv: readonly string[], context: CliContext): Parsed => {
  const [command, ...rest] = argv;
  if (command === undefined || ['help', '--help', '-h'].includes(command))
    return { kind: 'help', text: generalUsage() };
  if (!isCommand(command))
    return { kind: 'usage-error', message: `unknown command '${command}'`, usage: generalUsage() };
  return parseCommand(command, rest, context);
};
