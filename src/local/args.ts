/**
 * The CLI's command line, parsed without side effects: strictly, by `node:util` parseArgs, against
 * the options each command declares in ./cli-commands.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  COMMANDS,
  LOG_LEVELS,
  commandUsage,
  generalUsage,
  isCommand,
  optionsOf,
  type CommandName,
  type LogLevel,
  type OptionSpec,
} from './cli-commands';
import { MODES, type Mode } from './topology';

/** Where a command finds the stack it talks to. */
export interface TargetArgs {
  readonly endpoint: string;
  readonly stage: string;
  readonly region: string;
}

/** A command with its arguments checked and its defaults filled in. */
export type Invocation =
  | { readonly command: 'demo'; readonly verbose: boolean; readonly events: string; readonly mode: Mode }
  | {
      readonly command: 'stack';
      readonly port: number;
      readonly httpPort: number;
      readonly logLevel: LogLevel;
      /** Where the table is kept across restarts (absolute), when given. */
      readonly dataDir?: string;
      /** False with --no-workers: only the emulators and the topology. */
      readonly workers: boolean;
      readonly mode: Mode;
      /** The cache handler's settle window, when given (default topology.json's). */
      readonly settleWindowSeconds?: number;
    }
  | { readonly command: 'workers'; readonly logLevel: LogLevel; readonly target: TargetArgs }
  | {
      readonly command: 'send';
      readonly files: string[];
      readonly wait: boolean;
      /** Onto the input queue, or through POST /commands at `url` (signed). */
      readonly via: { readonly kind: 'sqs' } | { readonly kind: 'http'; readonly url: string };
      readonly target: TargetArgs;
    }
  | { readonly command: 'state' | 'rejections'; readonly json: boolean; readonly target: TargetArgs }
  | { readonly command: 'dlq' | 'reset'; readonly target: TargetArgs }
  | {
      readonly command: 'dev';
      readonly port: number;
      /** Where the table is kept across restarts (absolute; default .dev-data in the directory). */
      readonly dataDir: string;
      readonly logLevel: LogLevel;
      readonly visibilityTimeoutSeconds?: number;
      readonly typecheck: boolean;
    }
  | {
      readonly command: 'replay';
      readonly request: { readonly dlq: 'input' | 'cache' } | { readonly commandId: string };
      readonly target: TargetArgs;
    }
  | { readonly command: 'dashboard'; readonly port: number; readonly target: TargetArgs }
  | { readonly command: 'validate'; readonly files: string[] };

/** What to do with a command line: run it, print a usage (exit 0), or refuse it with a usage (exit 2). */
export type Parsed =
  | { readonly kind: 'run'; readonly invocation: Invocation }
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'usage-error'; readonly message: string; readonly usage: string };

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

const modeArg = (values: Values): Mode => {
  const text = stringOf(values, 'mode', 'standard');
  const mode = MODES.find((m) => m === text);
  if (mode === undefined) throw new UsageError(`--mode must be one of ${MODES.join(', ')}, got '${text}'`);
  return mode;
};

const logLevelOf = (text: string): LogLevel => {
  const level = LOG_LEVELS.find((l) => l === text.toUpperCase());
  if (level === undefined)
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got '${text}'`);
  return level;
};

const secondsOf = (text: string): number => {
  const seconds = /^[0-9]{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(seconds >= 1 && seconds <= 43_200))
    throw new UsageError(`--visibility-timeout must be an integer from 1 to 43200, got '${text}'`);
  return seconds;
};

const settleSecondsOf = (text: string): number => {
  const seconds = /^[0-9]{1,4}$/.test(text) ? Number(text) : NaN;
  if (!(seconds >= 0 && seconds <= 3_600))
    throw new UsageError(`--settle-window must be an integer from 0 to 3600, got '${text}'`);
  return seconds;
};

const replayRequestOf = (
  values: Values,
  operands: readonly string[],
): { readonly dlq: 'input' | 'cache' } | { readonly commandId: string } => {
  const dlq = values['dlq'];
  if (operands.length > 1) throw new UsageError('replay takes one commandId');
  const [commandId] = operands;
  if ((dlq === undefined) === (commandId === undefined))
    throw new UsageError('replay needs either a commandId or --dlq input|cache');
  if (commandId !== undefined) return { commandId };
  if (dlq !== 'input' && dlq !== 'cache')
    throw new UsageError(`--dlq must be input or cache, got '${String(dlq)}'`);
  return { dlq };
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

/** The embedded stack's HTTP producer: the endpoint's host, its port + 1 (`npm run stack`'s default). */
const embeddedProducerUrl = (endpoint: string): string => {
  if (!URL.canParse(endpoint)) throw new UsageError(`--endpoint must be a URL, got '${endpoint}'`);
  const url = new URL(endpoint);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (!loopback || url.port === '')
    throw new UsageError(`--via http needs --url (the API's POST /commands URL) for ${endpoint}`);
  return `${url.protocol}//${url.hostname}:${Number(url.port) + 1}/commands`;
};

const viaOf = (values: Values, target: TargetArgs): Extract<Invocation, { command: 'send' }>['via'] => {
  const via = stringOf(values, 'via', 'sqs');
  if (via === 'sqs') {
    if (values['url'] !== undefined) throw new UsageError('--url goes with --via http');
    return { kind: 'sqs' };
  }
  if (via !== 'http') throw new UsageError(`--via must be sqs or http, got '${via}'`);
  const url =
    values['url'] === undefined ? embeddedProducerUrl(target.endpoint) : stringOf(values, 'url', '');
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
    throw new UsageError(`--url must be an http(s) URL, got '${url}'`);
  return { kind: 'http', url };
};

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
        mode: modeArg(values),
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
        ...(values['data-dir'] === undefined
          ? {}
          : { dataDir: resolve(context.cwd, stringOf(values, 'data-dir', '')) }),
        workers: !flag('no-workers'),
        mode: modeArg(values),
        ...(values['settle-window'] === undefined
          ? {}
          : { settleWindowSeconds: settleSecondsOf(stringOf(values, 'settle-window', '')) }),
      };
    }
    case 'workers':
      return {
        command,
        logLevel: logLevelOf(stringOf(values, 'log-level', 'INFO')),
        target: targetOf(values, context.env),
      };
    case 'send': {
      const target = targetOf(values, context.env);
      return { command, files, wait: flag('wait'), via: viaOf(values, target), target };
    }
    case 'state':
    case 'rejections':
      return { command, json: flag('json'), target: targetOf(values, context.env) };
    case 'dlq':
    case 'reset':
      return { command, target: targetOf(values, context.env) };
    case 'dev': {
      const visibility = values['visibility-timeout'];
      return {
        command,
        port: portOf('port', stringOf(values, 'port', '4566')),
        dataDir: resolve(context.cwd, stringOf(values, 'data-dir', '.dev-data')),
        logLevel: logLevelOf(stringOf(values, 'log-level', 'INFO')),
        ...(visibility === undefined
          ? {}
          : { visibilityTimeoutSeconds: secondsOf(stringOf(values, 'visibility-timeout', '')) }),
        typecheck: !flag('no-typecheck'),
      };
    }
    case 'replay':
      return { command, request: replayRequestOf(values, files), target: targetOf(values, context.env) };
    case 'dashboard':
      return {
        command,
        port: portOf('port', stringOf(values, 'port', '4580')),
        target: targetOf(values, context.env),
      };
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
      allowPositionals: spec.files || 'operand' in spec,
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
