/**
 * `npm run dev` on a copy of the project (the working tree is never edited): a handler's edited log
 * message shows on the next command after the reload, the state is unchanged by reloads and by a
 * restart on the kept data directory, a type error is printed without stopping anything, and a
 * command parked in the cache DLQ by a deliberate bug is applied once the bug is fixed and
 * `replay --dlq cache` is run.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getCommandRecord, readDirectory } from '../../src/adapters/dynamodb';
import { pollUntil } from '../../src/adapters/poll-until';
import { queueAttributes, sendMessage } from '../../src/adapters/sqs';
import {
  connect,
  expandEventFiles,
  sendFiles,
  stateJson,
  waitForOutcome,
  type Target,
} from '../../src/local/client';
import { freePort } from '../../src/local/ports';
import { replay as replayCommand } from '../../src/local/replay';
import { ROOT } from '../support/e2e';

const copy = mkdtempSync(join(tmpdir(), 'dev-loop-'));
const dataDir = join(copy, '.dev-data');
const HANDLER = join(copy, 'src/handlers/cache-handler.ts');
const original = readFileSync(join(ROOT, 'src/handlers/cache-handler.ts'), 'utf8');
const children: ChildProcessWithoutNullStreams[] = [];

beforeAll(() => {
  for (const entry of ['src', 'events', 'package.json', 'topology.json'])
    cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  // The watch typecheck runs the copy's tsconfig; narrowed to one small file, so that checking the
  // whole project (`npm test` does that) does not take a slow CI machine's CPU for a minute here.
  const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as {
    compilerOptions: Record<string, unknown>;
  };
  writeFileSync(
    join(copy, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { ...tsconfig.compilerOptions, types: [] },
      include: ['src/local/mask.ts'],
    }),
  );
});
afterAll(async () => {
  await Promise.all(
    children
      .filter((c) => c.exitCode === null && c.signalCode === null)
      .map((c) => new Promise((resolve) => (c.once('exit', resolve), c.kill('SIGINT')))),
  );
  rmSync(copy, { recursive: true, force: true });
});

interface Dev {
  readonly child: ChildProcessWithoutNullStreams;
  readonly output: () => string;
  readonly until: (what: string, test: (output: string) => boolean, timeoutMs?: number) => Promise<void>;
}

/** The copy's CLI, run by Node with tsx in the copy, its output collected. */
const cli = (args: readonly string[]): Dev => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/local/cli.ts', ...args], {
    cwd: copy,
    stdio: 'pipe',
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return {
    child,
    output: () => output,
    until: async (what, test, timeoutMs = 60_000) => {
      await pollUntil(
        async () => {
          if (test(output)) return true;
          if (child.exitCode !== null) throw new Error(`exited waiting for ${what}:\n${output}`);
          return undefined;
        },
        { timeoutMs, what: `${what} (output so far:\n${output.slice(-3000)})`, maxDelayMs: 200 },
      );
    },
  };
};

const startDev = async (port: number, typecheck: boolean): Promise<Dev> => {
  const dev = cli([
    'dev',
    '--port',
    String(port),
    '--data-dir',
    dataDir,
    '--visibility-timeout',
    '3',
    ...(typecheck ? [] : ['--no-typecheck']),
  ]);
  await dev.until('the dev loop to be ready', (o) => o.includes('[dev] ready'), 90_000);
  return dev;
};

const stopDev = async (dev: Dev): Promise<void> => {
  const exited = new Promise<number | null>((resolve) => dev.child.once('exit', resolve));
  dev.child.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(dev.output()).toContain('[dev] stopped');
};

const reloads = (output: string) => output.split('[dev] reloaded the workers').length - 1;

/** Changes the copy's src/, then waits for the reload it causes. */
const changeSrc = async (dev: Dev, change: () => void): Promise<void> => {
  const before = reloads(dev.output());
  change();
  await dev.until('the reload', (o) => reloads(o) > before);
};
const editHandler = (dev: Dev, text: string) => changeSrc(dev, () => writeFileSync(HANDLER, text));

const stateOf = async (target: Target) => stateJson(await readDirectory(target.doc, target.names.table));
const groupCreated = (name: string) =>
  JSON.stringify({ entityType: 'GROUP', eventType: 'GROUP_CREATED', eventData: { name } });

test('npm run dev: reload on save, state kept across reloads and restarts, DLQ replay after a fix', async () => {
  const port = await freePort();
  const dev = await startDev(port, true);
  const target = connect({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}` }, 'local');
  const input = await target.queueUrl('input');
  await sendFiles(target, expandEventFiles([join(copy, 'events')]), { wait: true, log: () => undefined });
  const seeded = await stateOf(target);
  expect(seeded.groups.length).toBeGreaterThan(0);

  // An edited log message: the next command logs it, and the reload changed no state.
  const edited = original.replace("'command applied'", "'command applied by the edited handler'");
  expect(edited).not.toBe(original);
  await editHandler(dev, edited);
  expect(await stateOf(target)).toEqual(seeded);
  const reloadedId = await sendMessage(target.sqs, input, groupCreated('Reloaded Group'));
  expect((await waitForOutcome(target.doc, target.names.table, reloadedId)).status).toBe('APPLIED');
  await dev.until('the new log message', (o) =>
    o.split('\n').some((l) => l.includes('command applied by the edited handler') && l.includes(reloadedId)),
  );

  // A type error is printed by the watch typecheck; the workers and the stack go on.
  const mask = join(copy, 'src/local/mask.ts');
  const maskSource = readFileSync(mask, 'utf8');
  await dev.until('the first typecheck', (o) => o.includes('[typecheck] Found 0 errors'), 90_000);
  await changeSrc(dev, () =>
    writeFileSync(mask, `${maskSource}export const typeErrorForTheTest: number = 'x';\n`),
  );
  await dev.until(
    'the type error',
    (o) => o.includes('[typecheck] src/local/mask.ts') && o.includes('TS2322'),
    90_000,
  );
  await changeSrc(dev, () => writeFileSync(mask, maskSource));

  // A deliberate bug parks a command in the cache DLQ; fixed, replay applies it.
  const buggy = edited.replace(
    'for (const { record, decoded } of decodedRecords) {',
    "for (const { record, decoded } of decodedRecords) {\n      if (record.body.includes('Broken Group')) throw new Error('deliberate bug');",
  );
  expect(buggy).not.toBe(edited);
  await editHandler(dev, buggy);
  const brokenId = await sendMessage(target.sqs, input, groupCreated('Broken Group'));
  await pollUntil(
    async () =>
      (await queueAttributes(target.sqs, await target.queueUrl('cacheDlq')))[
        'ApproximateNumberOfMessages'
      ] === '1'
        ? true
        : undefined,
    { timeoutMs: 60_000, what: 'the command in the cache DLQ', maxDelayMs: 500 },
  );
  expect(await getCommandRecord(target.doc, target.names.table, brokenId)).toBeUndefined();
  await editHandler(dev, edited);
  const replay = cli(['replay', '--dlq', 'cache', '--endpoint', target.config.endpoint ?? '']);
  await replay.until('the replay to end', () => replay.child.exitCode !== null);
  expect(replay.child.exitCode).toBe(0);
  expect(replay.output()).toContain(`GROUP_CREATED, command ${brokenId}`);
  expect(replay.output()).toContain('1 message(s) moved back');
  expect(replay.output()).not.toMatch(/Broken Group|eventData|argon2/);
  expect((await waitForOutcome(target.doc, target.names.table, brokenId)).status).toBe('APPLIED');
  const final = await stateOf(target);
  expect(final.groups.map((g) => g.name)).toEqual(
    expect.arrayContaining(['Broken Group', 'Reloaded Group', ...seeded.groups.map((g) => g.name)]),
  );
  // A published event parked in the cache DLQ at stop is kept in the data directory.
  const parked = JSON.stringify({
    schema: 'user-directory.command.v1',
    commandId: 'parked-command',
    sentAt: new Date().toISOString(),
    command: { type: 'GROUP_CREATED', name: 'Parked Group' },
  });
  await sendMessage(target.sqs, await target.queueUrl('cacheDlq'), parked, 0, {
    commandId: 'parked-command',
  });
  await stopDev(dev);
  expect(dev.output()).toContain('[dev] 1 message(s) of the cache DLQ kept for the next start');
  target.sqs.destroy();
  target.doc.destroy();

  // Stopped and started again on the same data directory: the same state, the DLQ message back.
  const again = await startDev(port, false);
  const target2 = connect({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}` }, 'local');
  try {
    expect(again.output()).toContain('[dev] 1 message(s) of the last session put back in the cache DLQ');
    expect(await stateOf(target2)).toEqual(final);
    expect(await replayCommand(target2, { commandId: 'parked-command' }, () => undefined)).toBe(0);
    expect((await waitForOutcome(target2.doc, target2.names.table, 'parked-command')).status).toBe('APPLIED');
  } finally {
    target2.sqs.destroy();
    target2.doc.destroy();
    await stopDev(again);
  }
}, 240_000);
