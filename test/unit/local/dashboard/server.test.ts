import { messageIdsOf } from '../../../../src/local/dashboard/server';

// What the body of POST /api/dlq/<name>/redrive asks for: the whole DLQ, or only some messages.

test('an empty body redrives the whole DLQ; a list of message ids only those', () => {
  expect(messageIdsOf('')).toBeUndefined();
  expect(messageIdsOf('  \n')).toBeUndefined();
  expect(messageIdsOf('{"messageIds":["a-1","b-2"]}')).toEqual(['a-1', 'b-2']);
});

test('anything else is a bad body (null), never a redrive of everything', () => {
  for (const body of [
    '{}',
    '{"messageIds":[]}',
    '{"messageIds":"a-1"}',
    '{"messageIds":[1]}',
    `{"messageIds":${JSON.stringify(Array.from({ length: 101 }, (_, i) => `m${i}`))}}`,
    'not json',
    'null',
  ])
    expect(messageIdsOf(body)).toBeNull();
});
