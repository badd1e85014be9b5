import {
  CreateTableCommand,
  DynamoDBClient,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { clientOptions, type AwsConfig } from '../adapters/aws-config';
import { cacheTableDefinition } from '../adapters/dynamodb/table';
import { namesFor, topology, type QueueName, type StageNames } from './topology';

/** What provisioning created: names, URLs and ARNs the runtime and the CLI need. */
export interface Provisioned {
  readonly names: StageNames;
  readonly queueUrls: Record<QueueName, string>;
  readonly queueArns: Record<QueueName, string>;
  readonly topicArn: string;
}

/** Options for a local stack only (tests): a shorter visibility timeout so retries come quickly. */
export interface ProvisionOptions {
  readonly visibilityTimeoutSeconds?: number;
}

const queueArn = async (sqs: SQSClient, url: string): Promise<string> => {
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  const arn = attrs.Attributes?.['QueueArn'];
  if (arn === undefined) throw new Error(`queue ${url} has no ARN`);
  return arn;
};

/**
 * Provisions the serverless.yml topology through the AWS APIs: moto's CloudFormation would silently
 * skip the SNS subscription and the queue policy, so every resource is created directly, from
 * topology.json, with the same names, encryption, redrive, raw delivery and table schema.
 */
export const provisionTopology = async (
  config: AwsConfig,
  stage: string,
  options: ProvisionOptions = {},
): Promise<Provisioned> => {
  const names = namesFor(stage);
  const sqs = new SQSClient(clientOptions(config));
  const sns = new SNSClient(clientOptions(config));
  const dynamodb = new DynamoDBClient(clientOptions(config));

  const createQueue = async (
    key: QueueName,
    attributes: Record<string, string>,
  ): Promise<[string, string]> => {
    const url = (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: names.queues[key],
          Attributes: { SqsManagedSseEnabled: 'true', ...attributes },
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
    const q = topology.queues[key];
    return createQueue(key, {
      VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? q.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(q.retentionSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: q.maxReceiveCount }),
    });
  };
  const [inputUrl, inputArn] = await mainQueue('input', inputDlqArn);
  const [cacheUrl, cacheArn] = await mainQueue('cache', cacheDlqArn);

  const topicArn = (
    await sns.send(
      new CreateTopicCommand({ Name: names.topic, Attributes: { KmsMasterKeyId: 'alias/aws/sns' } }),
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
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: cacheArn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );

  const table = cacheTableDefinition(names.table);
  await dynamodb.send(new CreateTableCommand(table.create));
  await dynamodb.send(
    new UpdateTimeToLiveCommand({ TableName: names.table, TimeToLiveSpecification: table.timeToLive }),
  );
  await dynamodb.send(
    new UpdateContinuousBackupsCommand({
      TableName: names.table,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: table.pointInTimeRecovery },
    }),
  );
  sqs.destroy();
  sns.destroy();
  dynamodb.destroy();
  return {
    names,
    queueUrls: { input: inputUrl, inputDlq: inputDlqUrl, cache: cacheUrl, cacheDlq: cacheDlqUrl },
    queueArns: { input: inputArn, inputDlq: inputDlqArn, cache: cacheArn, cacheDlq: cacheDlqArn },
    topicArn,
  };
};
