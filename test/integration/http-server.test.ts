import { request } from 'node:http';
import type { Server } from 'node:http';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { makeSqsClient, queueAttributes, receiveMessages, sendMessage } from '../../src/adapters/sqs';
import { makeHttpProducer } from '../../src/handlers/http-producer';
import { startHttpServer } from '../../src/local/http-server';
import { postCommand } from '../../src/local/http-send';
import { freePort } from '../../src/local/ports';
import type { Emulators } from '../../src/local/emulators';
import { capturedLogger } from '../support/fakes';
import { startPrivateEmulators } from '../support/emulators';

/**
 * The local HTTP producer in front of a real (fauxqs) queue that nobody consumes, so what the queue
 * holds is exactly what the server sent: a refused request must leave it as it was.
 */
let emulators: Emulators;
let server: Server;
let port: number;
let queueUrl: string;
let sqs: ReturnType<typeof makeSqsClient>;

beforeAll(async () => {
  emulators = await startPrivateEmulators();
  sqs = makeSqsClient({ region: 'us-east-1', endpoint: emulators.endpoint });
  queueUrl =
    (await sqs.send(new CreateQueueCommand({ QueueName: 'http-guard-input' }))).QueueUrl ?? 'no queue url';
  port = await freePort();
  server = await startHttpServer(
    port,
    makeHttpProducer({
      send: (body) => sendMessage(sqs, queueUrl, body),
      logger: capturedLogger('http-producer'),
    }),
  );
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  sqs.destroy();
  await emulators.stop();
});

/** A raw HTTP/1.1 request with exactly these headers (fetch would set Host and others itself). */
const post = (
  headers: Record<string, string>,
  body: string,
  method = 'POST',
): Promise<{ status: number; json: Record<string, unknown> }> =>
  new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/commands', method, headers, setHost: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });

const command = (name: string) =>
  JSON.stringify({ entityType: 'GROUP', eventType: 'GROUP_CREATED', eventData: { name } });
const queued = async (): Promise<number> =>
  Number((await queueAttributes(sqs, queueUrl))['ApproximateNumberOfMessages'] ?? -1);
const self = () => `127.0.0.1:${port}`;
const json = { 'content-type': 'application/json' };

describe('the local HTTP producer refuses what a browser page could send', () => {
  test.each([
    ['a text/plain POST', () => ({ host: self(), 'content-type': 'text/plain' }), 415],
    ['a form POST', () => ({ host: self(), 'content-type': 'application/x-www-form-urlencoded' }), 415],
    ['a POST without a Content-Type', () => ({ host: self() }), 415],
    ['Host: evil.example', () => ({ ...json, host: 'evil.example' }), 421],
    ['a rebound name on our port', () => ({ ...json, host: `evil.example:${port}` }), 421],
    ['loopback on another port', () => ({ ...json, host: `127.0.0.1:${port + 1}` }), 421],
    ['a foreign Origin', () => ({ ...json, host: self(), origin: 'https://evil.example' }), 403],
    ['Origin: null (a sandboxed page)', () => ({ ...json, host: self(), origin: 'null' }), 403],
    ['Sec-Fetch-Site: cross-site', () => ({ ...json, host: self(), 'sec-fetch-site': 'cross-site' }), 403],
    ['Sec-Fetch-Site: same-site', () => ({ ...json, host: self(), 'sec-fetch-site': 'same-site' }), 403],
  ])('%s: 4xx with a JSON reason, nothing sent', async (_, headers, status) => {
    const before = await queued();
    const response = await post(headers(), command('Injected'));
    expect(response.status).toBe(status);
    expect(typeof response.json['error']).toBe('string');
    expect(await queued()).toBe(before);
  });

  test('what a local client sends is queued: each loopback Host, a same-origin browser request, JSON with a charset', async () => {
    const before = await queued();
    const accepted = [
      { ...json, host: self() },
      { ...json, host: `localhost:${port}` },
      { ...json, host: `[::1]:${port}` },
      { ...json, host: self(), origin: `http://${self()}`, 'sec-fetch-site': 'same-origin' },
      { 'content-type': 'Application/JSON; charset=utf-8', host: self() },
    ];
    for (const [i, headers] of accepted.entries())
      expect((await post(headers, command(`Accepted ${i}`))).status).toBe(202);
    expect(await queued()).toBe(before + accepted.length);
    const bodies = (await receiveMessages(sqs, queueUrl, 10, 1)).map((m) => m.Body ?? '');
    expect(bodies.every((b) => b.includes('Accepted'))).toBe(true);
    expect(bodies.some((b) => b.includes('Injected'))).toBe(false);
  });

  test('the guard runs before routing: a foreign Host gets 421 even on an unknown path or method', async () => {
    expect((await post({ host: 'evil.example' }, '', 'GET')).status).toBe(421);
    expect((await post({ ...json, host: self() }, '', 'GET')).status).toBe(405);
  });

  test('a request signed by send --via http passes the guard and is queued; a refusal comes back as an error', async () => {
    const before = await queued();
    const url = `http://127.0.0.1:${port}/commands`;
    const messageId = await postCommand({ url, region: 'us-east-1', env: {} }, command('Signed'));
    expect(messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await queued()).toBe(before + 1);
    await expect(
      postCommand({ url, region: 'us-east-1', env: {} }, JSON.stringify({ entityType: 'GROUP' })),
    ).rejects.toThrow(/answered 400 \(invalid command\)/);
    expect(await queued()).toBe(before + 1);
  });
});
