import { execFile } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readDirectory } from '../../src/adapters/dynamodb';
import { freePort } from '../../src/local/ports';
import { startEmbeddedStack, type EmbeddedStack } from '../../src/local/stack';
import { connect } from '../../src/local/client';
import { signedPostHeaders } from '../../scripts/smoke';

// `npm run smoke` as the deploy workflow runs it, against an embedded stack whose producer sits
// behind a proxy that lets through only requests carrying a valid SigV4 signature of these
// credentials (the deployed producer is IAM-authenticated; the embedded one checks nothing).

const run = promisify(execFile);
const ROOT = join(__dirname, '../..');
const credentials = { accessKeyId: 'AKIDSMOKETEST', secretAccessKey: 'smoke-secret-key' };
const SIGNATURE =
  /^AWS4-HMAC-SHA256 Credential=AKIDSMOKETEST\/(\d{8})\/us-east-1\/execute-api\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

let stack: EmbeddedStack;
let proxy: Server;
let proxyUrl = '';
const verdicts: string[] = [];

/** Re-signs what actually arrived with the same credentials and date: the signatures must agree. */
const verify = async (url: string, headers: IncomingHttpHeaders, body: string): Promise<string> => {
  const match = SIGNATURE.exec(String(headers['authorization'] ?? ''));
  if (match === null) return `not a SigV4 signature by AKIDSMOKETEST: ${String(headers['authorization'])}`;
  const signedHeaders = (match[2] ?? '').split(';');
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date'))
    return `host and date not signed: ${match[2]}`;
  const date = String(headers['x-amz-date'] ?? '');
  const when = new Date(date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  const expected = await signedPostHeaders(url, body, credentials, 'us-east-1', when);
  return expected['authorization'] === headers['authorization'] ? 'valid' : 'signature mismatch';
};

beforeAll(async () => {
  stack = await startEmbeddedStack({ logLevel: 'SILENT' });
  const port = await freePort();
  proxyUrl = `http://127.0.0.1:${port}`;
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      void verify(`${proxyUrl}${req.url ?? ''}`, req.headers, body).then(async (verdict) => {
        verdicts.push(verdict);
        if (verdict !== 'valid') return res.writeHead(403).end(JSON.stringify({ message: verdict }));
        const forwarded = await fetch(`${stack.httpUrl ?? ''}${req.url ?? ''}`, {
          method: 'POST',
          body,
          headers: { 'content-type': String(req.headers['content-type'] ?? '') },
        });
        res.writeHead(forwarded.status, { 'content-type': 'application/json' }).end(await forwarded.text());
      });
    });
  });
  await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
}, 60_000);
afterAll(async () => {
  await new Promise((resolve) => proxy.close(resolve));
  await stack.stop();
});

const smoke = (env: NodeJS.ProcessEnv) =>
  run(
    'npm',
    ['run', 'smoke', '--', '--stage', 'local', '--url', proxyUrl, '--endpoint', stack.config.endpoint],
    { cwd: ROOT, env: { ...process.env, ...env }, timeout: 90_000 },
  ).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

test('npm run smoke sends one signed command, reads it back, and cleans up after itself', async () => {
  const result = await smoke({
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  });
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/sent GROUP_CREATED "smoke [^"]+" through/);
  expect(result.stdout).toMatch(/read back from user-directory-local-cache: group "smoke [^"]+" exists/);
  expect(result.stdout).toMatch(/cleaned up: GROUP_DELETED \S+ applied/);
  expect(verdicts).toEqual(['valid', 'valid']);
  const target = connect(stack.config, 'local');
  expect((await readDirectory(target.doc, target.names.table)).groups).toEqual([]);
  target.sqs.destroy();
  target.doc.destroy();
}, 120_000);

test('with other credentials the producer refuses it, and the smoke test fails (exit 1)', async () => {
  verdicts.length = 0;
  const result = await smoke({ AWS_ACCESS_KEY_ID: 'AKIDSOMEONEELSE', AWS_SECRET_ACCESS_KEY: 'x' });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('smoke test failed: POST');
  expect(result.stderr).toContain('403');
  expect(verdicts).toHaveLength(1);
  expect(verdicts[0]).toMatch(
    /^not a SigV4 signature by AKIDSMOKETEST: AWS4-HMAC-SHA256 Credential=AKIDSOMEONEELSE\//,
  );
}, 120_000);
