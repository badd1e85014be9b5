import { describeMoved, summarize } from '../../../src/local/redrive';

const raw = JSON.stringify({
  entityType: 'USER',
  eventType: 'USER_CREATED',
  eventData: { name: 'Ana', email: 'ana@example.com', password: 'secret-pw', groups: [] },
});
const published = JSON.stringify({
  schema: 'user-directory.command.v1',
  commandId: 'cmd-1',
  sentAt: '2026-01-01T00:00:00.000Z',
  command: { type: 'USER_CREATED', email: 'ana@example.com', passwordHash: '$argon2id$v=19$m=19456$abc' },
});

describe('summarize: allowlisted fields only', () => {
  test('a raw command (input queue): its message id is its command id; eventData never shows', () => {
    const summary = summarize({ MessageId: 'm-1', Body: raw, Attributes: { ApproximateReceiveCount: '3' } });
    expect(summary).toEqual({
      messageId: 'm-1',
      commandId: 'm-1',
      entityType: 'USER',
      eventType: 'USER_CREATED',
      receiveCount: '3',
    });
    const line = describeMoved({ ...summary, newMessageId: 'm-2' });
    expect(line).toBe('USER_CREATED, command m-1, message m-1 -> m-2, after 3 receive(s)');
    expect(line).not.toMatch(/Ana|ana@|secret/);
  });

  test('a published event (cache queue): commandId and type from the body; no email, no hash', () => {
    const summary = summarize({ MessageId: 'm-3', Body: published });
    expect(summary).toEqual({ messageId: 'm-3', commandId: 'cmd-1', eventType: 'USER_CREATED' });
    expect(JSON.stringify(summary)).not.toMatch(/argon2|ana@/);
  });

  test('a field that is not a short plain token is left out rather than printed', () => {
    const body = JSON.stringify({ entityType: 'USER <script>', eventType: 'x'.repeat(500), eventData: {} });
    expect(summarize({ MessageId: 'm-4', Body: body })).toEqual({ messageId: 'm-4', commandId: 'm-4' });
    expect(summarize({ MessageId: 'm-5', Body: 'not json {' })).toEqual({
      messageId: 'm-5',
      commandId: 'm-5',
    });
  });
});
