/**
 * The CLI's output through a pipe: complete at any size (the process must not exit before stdout
 * drains), and quiet when the reader closes the pipe early (`| head -1`). The users are written
 * straight to the table (hashing thousands of passwords would only slow the test down).
 */
import { spawn } from 'node:child_process';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { keys, LISTS } from '../../src/domain/model';
import { ROOT, startTestStack, type TestStack } from '../support/e2e';
import { unsafeTestHasher } from '../support/unsafe-kdf';

const USERS = 3_000;

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ logLevel: 'SILENT', hasher: unsafeTestHasher() });
  const now = new Date().toISOString();
  const items = Array.from({ length: USERS }, (_, i) => {
    const userKey = `pipe-user-${String(i).padStart(5, '0')}`;
    const email = `${userKey}@example.com`;
    return {
      ...keys.user(userKey),
      type: 'USER',
      userKey,
      userId: userKey,
      name: `Pipe User ${i} ${'x'.repeat(300)}`,
      email,
      passwordHash: 'not-a-hash',
      version: 1,
      createdAt: now,
      updatedAt: now,
      gsi1pk: LISTS.users,
      gsi1sk: email,
    };
  });
  for (let i = 0; i < items.length; i += 25)
    await t.target.doc.send(
      new BatchWriteCommand({
        RequestItems: {
          [t.stack.names.table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
        },
      }),
    );
}, 180_000);
afterAll(() => t.stack.stop());

/** Runs `npm run state -- <args>` (pointed at the test stack) through a real pipe into `reader`, in bash. */
const pipeState = (args: readonly string[], reader: string) =>
  new Promise<{ code: number; out: string; stderr: string; readerCode: number }>((resolve) => {
    const target = ['--endpoint', t.stack.config.endpoint, '--stage', t.stack.names.stage];
    const cli = ['npm', 'run', '--silent', 'state', '--', ...args, ...target].join(' ');
    const line = `${cli} 2>&3 | ${reader}; echo "\${PIPESTATUS[0]} \${PIPESTATUS[1]}" >&4`;
    const bash = spawn('bash', ['-c', line], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit', 'pipe', 'pipe'],
    });
    const read = (i: number) => {
      let text = '';
      bash.stdio[i]?.on('data', (chunk: Buffer) => (text += chunk.toString()));
      return () => text;
    };
    const [out, stderr, codes] = [read(1), read(3), read(4)];
    bash.on('close', () => {
      const [code, readerCode] = codes().trim().split(' ').map(Number);
      resolve({ code: code ?? -1, out: out(), stderr: stderr(), readerCode: readerCode ?? -1 });
    });
  });

test('state --json piped into another process is whole JSON, over 1 MB', async () => {
  const reader = `node -e "const s=require('fs').readFileSync(0,'utf8'); console.log(Buffer.byteLength(s)+' '+JSON.parse(s).users.length)"`;
  const r = await pipeState(['--json'], reader);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.readerCode).toBe(0);
  const [bytes, users] = r.out.trim().split(' ').map(Number);
  expect(users).toBe(USERS);
  expect(bytes).toBeGreaterThan(1024 * 1024);
}, 120_000);

test('state | head -1 ends with exit 0 and nothing on stderr', async () => {
  const r = await pipeState([], 'head -1');
  expect(r.out).toBe(`Users (${USERS})\n`);
  expect(r.readerCode).toBe(0);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}, 120_000);
