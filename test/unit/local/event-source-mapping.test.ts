import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  failedRecords,
  isLoopback,
  startEventSourceMapping,
  toSqsEvent,
} from '../../../src/local/event-source-mapping';

describe('ReportBatchItemFailures semantics', () => {
  const ids = ['a', 'b', 'c'];
  test.each([
    ['no response', undefined, []],
    ['null', null, []],
    ['empty list', { batchItemFailures: [] }, []],
    ['missing list', {}, []],
    ['one failure', { batchItemFailures: [{ itemIdentifier: 'b' }] }, ['b']],
    ['unknown identifier fails the batch', { batchItemFailures: [{ itemIdentifier: 'zzz' }] }, ids],
    ['empty identifier fails the batch', { batchItemFailures: [{ itemIdentifier: '' }] }, ids],
    ['non-array fails the batch', { batchItemFailures: 'b' }, ids],
    ['malformed entry fails the batch', { batchItemFailures: [{ id: 'b' }] }, ids],
    ['a string response fails the batch', 'ok', ids],
  ])('%s', (_name, response, expected) => {
    expect(failedRecords(response, ids)).toEqual(expected);
  });
});

test('loopback detection', () => {
  expect(
    ['http://127.0.0.1:4566', 'http://localhost:1', 'http://[::1]:9', 'http://127.8.0.3'].map(isLoopback),
  ).toEqual([true, true, true, true]);
  expect(['https://sqs.us-east-1.amazonaws.com', 'http://10.0.0.1:4566', 'nonsense'].map(isLoopback)).toEqual(
    [false, false, false],
  );
});

test('records look like Lambda SQS records', () => {
  const event = toSqsEvent(
    [
      {
        MessageId: 'm1',
        ReceiptHandle: 'r1',
        Body: '{}',
        Attributes: { ApproximateReceiveCount: '2', SentTimestamp: '1700000000000' },
        MessageAttributes: { commandId: { DataType: 'String', StringValue: 'c1' } },
      },
    ],
    'arn:aws:sqs:us-east-1:123456789012:q',
    'us-east-1',
  );
  expect(event.Records[0]).toMatchObject({
    messageId: 'm1',
    receiptHandle: 'r1',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:q',
    attributes: { ApproximateReceiveCount: '2', SentTimestamp: '1700000000000' },
    messageAttributes: { commandId: { dataType: 'String', stringValue: 'c1' } },
  });
});

test.each([0, -1, 1.5])('maximumConcurrency %p is refused before any polling', (maximumConcurrency) => {
  expect(() =>
    startEventSourceMapping({
      sqs: {} as SQSClient,
      endpoint: 'http://127.0.0.1:1',
      queueUrl: 'http://127.0.0.1:1/000000000000/q',
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:q',
      region: 'us-east-1',
      functionName: 'f',
      batchSize: 10,
      maximumConcurrency,
      handler: async () => undefined,
    }),
  ).toThrow(/maximumConcurrency must be a positive integer/);
});
