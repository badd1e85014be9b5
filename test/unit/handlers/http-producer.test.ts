import { MAX_BODY_BYTES } from '../../../src/domain/pipeline';
import { makeHttpProducer } from '../../../src/handlers/http-producer';
import { capturedLogger } from '../../support/fakes';

const good = JSON.stringify({ entityType: 'GROUP', eventType: 'GROUP_CREATED', eventData: { name: 'Dev' } });

const producer = () => {
  const sent: string[] = [];
  const logger = capturedLogger('http-producer');
  const handle = makeHttpProducer({
    send: async (body) => {
      sent.push(body);
      return `m-${sent.length}`;
    },
    logger,
  });
  return { handle, sent, logger };
};

describe('HTTP producer (POST /commands)', () => {
  test('202 with the message id for a valid body, which is queued exactly as sent', async () => {
    const { handle, sent } = producer();
    const response = await handle({ body: good });
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toEqual({
      messageId: 'm-1',
      commandId: 'm-1',
      eventType: 'GROUP_CREATED',
    });
    expect(sent).toEqual([good]);
  });

  test('a base64 body (API Gateway binary mode) is decoded first', async () => {
    const { handle, sent } = producer();
    const response = await handle({ body: Buffer.from(good).toString('base64'), isBase64Encoded: true });
    expect(response.statusCode).toBe(202);
    expect(sent).toEqual([good]);
  });

  test('400 with every reason, nothing queued, and the password never echoed', async () => {
    const { handle, sent, logger } = producer();
    const body = JSON.stringify({
      entityType: 'USER',
      eventType: 'USER_CREATED',
      eventData: { name: ' ', email: 'nope', password: 'hunter2-secret' },
    });
    const response = await handle({ body });
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({
      error: 'invalid command',
      eventType: 'USER_CREATED',
      reasons: [expect.stringMatching(/^eventData.name/), expect.stringMatching(/^eventData.email/)],
    });
    expect(sent).toEqual([]);
    expect(response.body).not.toContain('hunter2-secret');
    expect(JSON.stringify(logger.lines)).not.toContain('hunter2-secret');
  });

  test(`413 over ${MAX_BODY_BYTES} bytes, nothing queued; a missing body is a 400`, async () => {
    const { handle, sent } = producer();
    expect((await handle({ body: 'x'.repeat(MAX_BODY_BYTES + 1) })).statusCode).toBe(413);
    expect((await handle({ body: null })).statusCode).toBe(400);
    expect(sent).toEqual([]);
  });

  test('with headers (API Gateway always passes them), 415 unless Content-Type is application/json; nothing queued', async () => {
    const { handle, sent } = producer();
    for (const headers of [
      null,
      {},
      { 'Content-Type': 'text/plain' },
      { 'content-type': 'application/jsonp' },
    ])
      expect((await handle({ body: good, headers })).statusCode).toBe(415);
    expect(sent).toEqual([]);
    expect(
      (await handle({ body: good, headers: { 'Content-Type': 'application/json; charset=utf-8' } }))
        .statusCode,
    ).toBe(202);
    expect(sent).toEqual([good]);
  });
});
