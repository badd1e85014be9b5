import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { clientOptions, instrument, type AwsConfig } from './aws-config';
import { fifoParameters } from './sqs';

/** An SNS client for the configured endpoint. */
export const makeSnsClient = (config: AwsConfig): SNSClient =>
  instrument(new SNSClient(clientOptions(config)), config);

/** One message to publish, with string message attributes. */
export interface Publication {
  readonly id: string;
  readonly message: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** Publishes up to 10 messages in one call; returns the ids of those that failed. */
export const publishBatch = async (
  sns: SNSClient,
  topicArn: string,
  entries: readonly Publication[],
): Promise<Set<string>> => {
  if (entries.length === 0) return new Set();
  const result = await sns.send(
    new PublishBatchCommand({
      TopicArn: topicArn,
      PublishBatchRequestEntries: entries.map((e) => ({
        Id: e.id,
        Message: e.message,
        // a FIFO topic keeps the batch's order; the entry's id (its command id) deduplicates a retry
        ...fifoParameters(topicArn, e.id),
        MessageAttributes: Object.fromEntries(
          Object.entries(e.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
        ),
      })),
    }),
  );
  return new Set((result.Failed ?? []).map((f) => f.Id ?? ''));
};
