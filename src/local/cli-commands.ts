/**
 * What the CLI's commands are: each one's options, declared once, and the usage texts rendered from
 * them (`--help`). ./args parses a command line against these declarations.
 */

/** The handlers' log levels the embedded stack accepts. */
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

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
  /** One optional operand instead of files, by its placeholder (replay: `[commandId]`). */
  readonly operand?: string;
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
      mode: {
        type: 'string',
        value: 'MODE',
        help: 'standard (default: standard queues and topic) or ordered (FIFO queues and topic, one message group: every command applied in send order)',
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
      'no-workers': {
        type: 'boolean',
        help: 'run only the emulators and the topology: no pollers, no HTTP producer (see workers)',
      },
      'data-dir': {
        type: 'string',
        value: 'DIR',
        help: 'keep the table in DIR across restarts (default: in memory, gone at stop)',
      },
      mode: {
        type: 'string',
        value: 'MODE',
        help: 'standard (default: standard queues and topic) or ordered (FIFO queues and topic, one message group: every command applied in send order)',
      },
      'settle-window': {
        type: 'string',
        value: 'S',
        help: "how long, 0-3600 s, a command naming an entity not there yet waits for it before its rejection (default topology.json's)",
      },
    },
  },
  workers: {
    npm: 'npm run workers',
    summary:
      'run both handlers and their pollers against a running stack (npm run stack -- --no-workers) until Ctrl-C or SIGTERM',
    files: false,
    options: {
      'log-level': {
        type: 'string',
        value: 'LEVEL',
        help: `the handlers' log level: ${LOG_LEVELS.join(', ')}, any case (default INFO)`,
      },
      ...TARGET_OPTIONS,
    },
  },
  send: {
    npm: 'npm run send',
    summary: 'send event files to the input queue (a directory: its *.json in name order)',
    files: true,
    options: {
      wait: { type: 'boolean', help: 'wait for each outcome and print it before sending the next file' },
      via: {
        type: 'string',
        value: 'MODE',
        help: 'sqs (default): onto the input queue; http: POST /commands, signed with SigV4 (as AWS requires)',
      },
      url: {
        type: 'string',
        value: 'URL',
        help: "with --via http: the API's POST /commands URL (default: the embedded producer, endpoint port + 1)",
      },
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
    summary:
      'what sits in each dead-letter queue: ids, types, receive counts, sent time, reasons (never a value of eventData)',
    files: false,
    options: { ...TARGET_OPTIONS },
  },
  dev: {
    npm: 'npm run dev',
    summary:
      'the embedded stack with its table kept in .dev-data/, the workers reloaded when a file under src/ changes, a watch typecheck; until Ctrl-C',
    files: false,
    options: {
      port: { type: 'string', value: 'N', help: "the AWS endpoint's port, 1-65535 (default 4566)" },
      'data-dir': {
        type: 'string',
        value: 'DIR',
        help: 'keep the table in DIR across restarts (default .dev-data)',
      },
      'log-level': {
        type: 'string',
        value: 'LEVEL',
        help: `the handlers' log level: ${LOG_LEVELS.join(', ')}, any case (default INFO)`,
      },
      'visibility-timeout': {
        type: 'string',
        value: 'S',
        help: "the queues' visibility timeout in seconds, 1-43200 (default topology.json's): retries, and the DLQ after 3 receives, come sooner",
      },
      'no-typecheck': { type: 'boolean', help: 'do not run the watch typecheck' },
    },
  },
  replay: {
    npm: 'npm run replay',
    summary:
      'send a past command again: every message of a DLQ back to its source queue (--dlq), or one command by id',
    files: false,
    operand: '[commandId]',
    options: {
      dlq: { type: 'string', value: 'QUEUE', help: 'input or cache: move every message of that DLQ back' },
      ...TARGET_OPTIONS,
    },
  },
  reset: {
    npm: 'npm run reset',
    summary: 'empty the queues and the table of a running local stack (loopback endpoints only)',
    files: false,
    options: { ...TARGET_OPTIONS },
  },
  dashboard: {
    npm: 'npm run dashboard',
    summary:
      "serve the dashboard of a stack (LocalStack, AWS) on 127.0.0.1 until Ctrl-C; the caller's credentials stay in this process",
    files: false,
    options: {
      port: { type: 'string', value: 'N', help: "the dashboard's port, 1-65535 (default 4580)" },
      ...TARGET_OPTIONS,
    },
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
/** Whether a word names a command. */
export const isCommand = (name: string): name is CommandName => Object.hasOwn(COMMANDS, name);

/** The options a command accepts: its own and `--help`. */
export const optionsOf = (name: CommandName): Readonly<Record<string, OptionSpec>> => ({
  ...COMMANDS[name].options,
  ...HELP,
});

const optionLabel = (name: string, spec: OptionSpec): string =>
  `${spec.short === undefined ? '' : `-${spec.short}, `}--${name}${spec.value === undefined ? '' : ` ${spec.value}`}`;

/** The usage of one command, as `npm run <command> -- --help` prints it. */
export const commandUsage = (name: CommandName): string => {
  const spec: CommandSpec = COMMANDS[name];
  const options = Object.entries(optionsOf(name));
  const width = Math.max(...options.map(([o, s]) => optionLabel(o, s).length));
  return [
    `usage: ${spec.npm} -- ${spec.files ? '<file|dir>... ' : ''}${spec.operand === undefined ? '' : `${spec.operand} `}[options]`,
    `  ${spec.summary}`,
    'options:',
    ...options.map(([o, s]) => `  ${optionLabel(o, s).padEnd(width)}  ${s.help}`),
  ].join('\n');
};

/** The usage of the whole CLI: every command, and how to see its options. */
export const generalUsage = (): string => {
  const rows = (Object.keys(COMMANDS) as CommandName[]).map((name) => ({
    call: `${COMMANDS[name].npm}${COMMANDS[name].files ? ' -- <file|dir>...' : ''}`,
    summary: COMMANDS[name].summary,
  }));
  const width = Math.max(...rows.map((row) => row.call.length));
  return [
    'usage: npm start | npm run <command> -- [options]',
    ...rows.map((row) => `  ${row.call.padEnd(width)}  ${row.summary}`),
    'Each prints its options with --help (npm start -- --help, npm run state -- --help, ...).',
  ].join('\n');
};
