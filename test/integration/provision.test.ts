import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, ListQueuesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { clientOptions } from '../../src/adapters/aws-config';
import { makeDocumentClient } from '../../src/adapters/dynamodb';
import { makeSqsClient } from '../../src/adapters/sqs';
import type { Emulators } from '../../src/local/emulators';
import { provisionTopology } from '../../src/local/provision';
import { MAX_BODY_BYTES } from '../../src/domain/pipeline';
import { scanAll, startPrivateEmulators } from '../support/emulators';

let emulators: Emulators;
beforeAll(async () => {
  emulators = await startPrivateEmulators();
}, 60_000);
afterAll(() => emulators.stop());

test('provisioning twice reuses the table (items kept), the queues, the topic and the one subscription', async () => {
  const config = { region: 'us-east-1', endpoint: emulators.endpoint };
  const first = await provisionTopology(config, 'twice');
  expect(first.unsupported).toEqual(['point-in-time recovery (DynamoDB Local)']);
  const doc = makeDocumentClient(config);
  await doc.send(new PutCommand({ TableName: first.names.table, Item: { pk: 'KEEP', sk: 'ME' } }));
  const second = await provisionTopology(config, 'twice');
  expect(second).toEqual(first);
  // a new table starts with history heads trusted (since: ''); a reused one is not marked again
  expect(await scanAll(doc, first.names.table)).toEqual([
    { pk: 'KEEP', sk: 'ME' },
    { pk: 'META', sk: 'HISTORY_HEADS', type: 'META', since: '' },
  ]);
  await doc.send(
    new PutCommand({
      TableName: first.names.table,
      Item: { pk: 'META', sk: 'HISTORY_HEADS', type: 'META', since: 'kept' },
    }),
  );
  await provisionTopology(config, 'twice');
  expect((await scanAll(doc, first.names.table))[1]).toMatchObject({ since: 'kept' });
  const sns = new SNSClient(clientOptions(config));
  const subscriptions = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: first.topicArn }));
  expect(subscriptions.Subscriptions?.map((s) => [s.Protocol, s.Endpoint])).toEqual([
    ['sqs', first.queueArns.cache],
  ]);
  const sqs = makeSqsClient(config);
  const queues = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'user-directory-twice-' }));
  expect(queues.QueueUrls).toHaveLength(4);
  [doc, sns, sqs].forEach((c) => c.destroy());
});

test(`the input queue refuses a body over ${MAX_BODY_BYTES} bytes, the validator's own cap`, async () => {
  const config = { region: 'us-east-1', endpoint: emulators.endpoint };
  const { queueUrls } = await provisionTopology(config, 'capped');
  const sqs = makeSqsClient(config);
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrls.input, AttributeNames: ['MaximumMessageSize'] }),
  );
  expect(attributes.Attributes?.['MaximumMessageSize']).toBe(String(MAX_BODY_BYTES));
  await expect(
    sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrls.input, MessageBody: 'x'.repeat(MAX_BODY_BYTES + 1) }),
    ),
  ).rejects.toThrow();
  await sqs.send(
    new SendMessageCommand({ QueueUrl: queueUrls.input, MessageBody: 'x'.repeat(MAX_BODY_BYTES) }),
  );
  sqs.destroy();
});
