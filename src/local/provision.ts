import {
  CreateTableCommand,
  PutItemCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateTopicCommand,
  ListSubscriptionsByTopicCommand,
  SetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand,
  type Subscription,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { clientOptions, type AwsConfig } from '../adapters/aws-config';
import { cacheTableDefinition } from '../adapters/dynamodb/table';
import { keys } from '../domain/model';
import { namesFor, topology, type Mode, type QueueName, type StageNames } from './topology';

/** What provisioning created: names, URLs and ARNs the runtime and the CLI need. */
export interface Provisioned {
  readonly names: StageNames;
  readonly queueUrls: Record<QueueName, string>;
  readonly queueArns: Record<QueueName, string>;
  readonly topicArn: string;
  /** Settings of the topology that the emulator cannot apply (DynamoDB Local: point-in-time recovery). */
  readonly unsupported: readonly string[];
}

/** Options for a local stack only (tests): a shorter visibility timeout so retries come quickly. */
export interface ProvisionOptions {
  readonly visibilityTimeoutSeconds?: number;
  /** FIFO queues and topic (`ordered`) or standard ones; default: the stage's mode in topology.json. */
  readonly mode?: Mode;
}

const queueArn = async (sqs: SQSClient, url: string): Promise<string> => {
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  const arn = attrs.Attributes?.['QueueArn'];
  if (arn === undefined) throw new Error(`queue ${url} has no ARN`);
  return arn;
};

const allSubscriptions = async (sns: SNSClient, topicArn: string): Promise<Subscription[]> => {
  const all: Subscription[] = [];
  let NextToken: string | undefined;
  do {
    const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken }));
    all.push(...(page.Subscriptions ?? []));
    NextToken = page.NextToken;
  } while (NextToken !== undefined);
  return all;
};

/** Subscribes the cache queue to the topic with raw delivery, reusing a subscription that exists. */
const subscribeOnce = async (sns: SNSClient, topicArn: string, queueArn: string): Promise<void> => {
  const existing = (await allSubscriptions(sns, topicArn)).find(
    (s) => s.Protocol === 'sqs' && s.Endpoint === queueArn && s.SubscriptionArn?.startsWith('arn:'),
  );
  if (existing?.SubscriptionArn === undefined)
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: queueArn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
  else
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: existing.SubscriptionArn,
        AttributeName: 'RawMessageDelivery',
        AttributeValue: 'true',
      }),
    );
};

const tableExists = async (dynamodb: DynamoDBClient, table: string): Promise<boolean> => {
  try {
    await dynamodb.send(new DescribeTableCommand({ TableName: table }));
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw error;
  }
};

/** DynamoDB Local has no point-in-time recovery: UpdateContinuousBackups is an unknown operation there. */
const isUnknownOperation = (error: unknown): boolean =>
  error instanceof Error && error.name === 'UnknownOperationException';

const provisionTableWith = async (
  dynamodb: DynamoDBClient,
  table: string,
): Promise<{ unsupported: string[] }> => {
  const definition = cacheTableDefinition(table);
  if (!(await tableExists(dynamodb, table))) {
    await dynamodb.send(new CreateTableCommand(definition.create));
    // a new table: every history entry it will hold has its head (see HeadsSinceItem)
    const { pk, sk } = keys.headsSince();
    await dynamodb.send(
      new PutItemCommand({
        TableName: table,
        Item: { pk: { S: pk }, sk: { S: sk }, type: { S: 'META' }, since: { S: '' } },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }
  const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: table }));
  if (ttl.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED')
    await dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: table,
        TimeToLiveSpecification: definition.timeToLive,
      }),
    );
  try {
    const backups = await dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: table }));
    if (
      backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus !==
      'ENABLED'
    )
      await dynamodb.send(
        new UpdateContinuousBackupsCommand({
          TableName: table,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: definition.pointInTimeRecovery },
        }),
      );
    return { unsupported: [] };
  } catch (error) {
    if (isUnknownOperation(error)) return { unsupported: ['point-in-time recovery (DynamoDB Local)'] };
    throw error;
  }
};

/**
 * Creates the stage's table (schema, GSI, SSE, TTL, point-in-time recovery where the emulator has
 * it) unless it exists; a kept table is reused as it is.
 */
export const provisionTable = async (
  config: AwsConfig,
  stage: string,
): Promise<{ table: string; unsupported: readonly string[] }> => {
  const dynamodb = new DynamoDBClient(clientOptions(config));
  try {
    const table = namesFor(stage).table;
    return { table, ...(await provisionTableWith(dynamodb, table)) };
  } finally {
    dynamodb.destroy();
  }
};

/**
 * Provisions the serverless.yml topology through the AWS APIs, from topology.json, with the same
 * names, encryption, redrive, raw delivery and table schema. Idempotent: run again on the same
 * emulators (or on a kept data directory) it reuses the table, the queues, the topic and the
 * subscription instead of duplicating them.
 */
export const provisionTopology = async (
  config: AwsConfig,
  stage: string,
  options: ProvisionOptions = {},
): Promise<Provisioned> => {
  const names = namesFor(stage, options.mode);
  const fifo = names.mode === 'ordered' ? { FifoQueue: 'true', ContentBasedDeduplication: 'false' } : {};
  const sqs = new SQSClient(clientOptions(config));
  const sns = new SNSClient(clientOptions(config));
  const dynamodb = new DynamoDBClient(clientOptions(config));
  // The table does not depend on the queues and the topic: it is provisioned meanwhile.
  const tableDone = provisionTableWith(dynamodb, names.table);
  tableDone.catch(() => undefined);

  const createQueue = async (
    key: QueueName,
    attributes: Record<string, string>,
  ): Promise<[string, string]> => {
    const url = (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: names.queues[key],
          Attributes: { SqsManagedSseEnabled: 'true', ...fifo, ...attributes },
        }),
      )
    ).QueueUrl;
    if (url === undefined) throw new Error(`could not create queue ${names.queues[key]}`);
    return [url, await queueArn(sqs, url)];
  };
  const [inputDlqUrl, inputDlqArn] = await createQueue('inputDlq', {
    MessageRetentionPeriod: String(topology.queues.inputDlq.retentionSeconds),
  });
  const [cacheDlqUrl, cacheDlqArn] = await createQueue('cacheDlq', {
    MessageRetentionPeriod: String(topology.queues.cacheDlq.retentionSeconds),
  });
  const mainQueue = (key: 'input' | 'cache', dlqArn: string) => {
    const q: { maximumMessageBytes?: number } & (typeof topology.queues)[typeof key] = topology.queues[key];
    return createQueue(key, {
      VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? q.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(q.retentionSeconds),
      ...(q.maximumMessageBytes === undefined ? {} : { MaximumMessageSize: String(q.maximumMessageBytes) }),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: q.maxReceiveCount }),
    });
  };
  const [inputUrl, inputArn] = await mainQueue('input', inputDlqArn);
  const [cacheUrl, cacheArn] = await mainQueue('cache', cacheDlqArn);

  const topicArn = (
    await sns.send(
      new CreateTopicCommand({
        Name: names.topic,
        Attributes: {
          KmsMasterKeyId: 'alias/aws/sns',
          ...(names.mode === 'ordered' ? { FifoTopic: 'true', ContentBasedDeduplication: 'false' } : {}),
        },
      }),
    )
  ).TopicArn;
  if (topicArn === undefined) throw new Error(`could not create topic ${names.topic}`);
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: cacheUrl,
      Attributes: {
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'AllowCommandsTopicOnly',
              Effect: 'Allow',
              Principal: { Service: 'sns.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: cacheArn,
              Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
            },
          ],
        }),
      },
    }),
  );
  await subscribeOnce(sns, topicArn, cacheArn);
  const table = await tableDone;
  sqs.destroy();
  sns.destroy();
  dynamodb.destroy();
  return {
    names,
    queueUrls: { input: inputUrl, inputDlq: inputDlqUrl, cache: cacheUrl, cacheDlq: cacheDlqUrl },
    queueArns: { input: inputArn, inputDlq: inputDlqArn, cache: cacheArn, cacheDlq: cacheDlqArn },
    topicArn,
    unsupported: table.unsupported,
  };
};
