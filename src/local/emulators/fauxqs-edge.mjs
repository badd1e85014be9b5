// SQS + SNS (fauxqs) on 127.0.0.1:PORT, and the stack's single edge endpoint: a request whose
// X-Amz-Target names DynamoDB is streamed to DynamoDB Local on 127.0.0.1 (its port arrives as an IPC
// message { dynamodbPort } once it is ready, and is acknowledged); fauxqs serves everything else.
// Exits when the IPC channel to the Node process that forked it closes, so it never outlives the
// embedded stack. Plain JavaScript: it runs with no loader.
import { request as httpRequest, Agent } from 'node:http';
import { URL } from 'node:url';
import { buildApp } from 'fauxqs';

const port = Number(process.argv[2]);
let dynamodbPort;
process.on('message', (message) => {
  if (typeof message?.dynamodbPort === 'number') dynamodbPort = message.dynamodbPort;
  process.send?.({ configured: true });
});
// fauxqs 2.4.1 exports buildApp but not its stores; with its default store, queue URLs name
// sqs.<region>.localhost. An empty host makes them name the host the client called (127.0.0.1:PORT).
const dist = new URL('.', import.meta.resolve('fauxqs'));
const { SqsStore } = await import(new URL('sqs/sqsStore.js', dist).href);
const { SnsStore } = await import(new URL('sns/snsStore.js', dist).href);
const { S3Store } = await import(new URL('s3/s3Store.js', dist).href);
const sqsStore = new SqsStore();
sqsStore.host = '';
const app = buildApp({
  logger: false,
  stores: { sqsStore, snsStore: new SnsStore(), s3Store: new S3Store() },
});

const agent = new Agent({ keepAlive: true });
app.addHook('onRequest', async (request, reply) => {
  const target = request.headers['x-amz-target'];
  if (typeof target !== 'string' || !target.startsWith('DynamoDB')) return;
  reply.hijack();
  const { raw } = request;
  if (dynamodbPort === undefined) {
    reply.raw.writeHead(503, { 'content-type': 'application/x-amz-json-1.0' });
    reply.raw.end(
      JSON.stringify({ __type: 'DynamoDBLocalStarting', message: 'DynamoDB Local is not ready yet' }),
    );
    return;
  }
  const upstream = httpRequest(
    { host: '127.0.0.1', port: dynamodbPort, method: raw.method, path: raw.url, headers: raw.headers, agent },
    (response) => {
      reply.raw.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(reply.raw);
    },
  );
  upstream.on('error', (error) => {
    if (!reply.raw.headersSent) reply.raw.writeHead(502, { 'content-type': 'application/x-amz-json-1.0' });
    reply.raw.end(JSON.stringify({ __type: 'DynamoDBLocalUnavailable', message: error.message }));
  });
  raw.pipe(upstream);
});

let closing = false;
const close = () => {
  if (closing) return;
  closing = true;
  agent.destroy();
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('disconnect', close);
process.on('SIGTERM', close);
// Ctrl-C goes to the whole foreground process group: the stack decides when to stop (it drains first).
process.on('SIGINT', () => undefined);

try {
  await app.listen({ port, host: '127.0.0.1' });
  process.send?.({ ready: true });
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
if (!process.connected) close();
