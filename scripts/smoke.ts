/**
 * `npm run smoke -- --stage prod [--region R]`: after a deploy, sends one command through the HTTP
 * producer, signed with SigV4 from the caller's own credentials (the producer is IAM-authenticated),
 * waits for it to be applied and reads the group back from the table, then deletes it the same way.
 * The producer's URL and the table come from the stack's CloudFormation outputs; `--url` and
 * `--endpoint` point it at a local stack instead (tests). Exit 0 when every step held, 1 otherwise.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsCredentialIdentity } from '@smithy/types';
import { clientOptions, type AwsConfig } from '../src/adapters/aws-config';
import { makeDocumentClient } from '../src/adapters/dynamodb';
import { groupIdOf } from '../src/domain/ids';
import { keys } from '../src/domain/model';
import { waitForOutcome } from '../src/local/client';
import { signJsonPost } from '../src/local/http-send';
import { namesFor, topology } from '../src/local/topology';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

/** Signs a JSON POST for API Gateway (`execute-api`) with SigV4; returns the headers to send. */
export const signedPostHeaders = async (
  url: string,
  body: string,
  credentials: AwsCredentialIdentity,
  region: string,
  signingDate?: Date,
): Promise<Record<string, string>> => signJsonPost(new URL(url), body, credentials, region, signingDate);

/** The producer's base URL and the table, from the deployed stack's outputs. */
const stackOutputs = async (config: AwsConfig, stage: string) => {
  const cfn = new CloudFormationClient(clientOptions(config));
  try {
    const stackName = `${topology.service}-${stage}`;
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
    const output = (key: string) => {
      const value = stack?.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;
      if (value === undefined) throw new Error(`stack ${stackName} has no output ${key}`);
      return value;
    };
    return { url: output('ServiceEndpoint'), table: output('CacheTableName') };
  } finally {
    cfn.destroy();
  }
};

const main = async (): Promise<number> => {
  const { values } = parseArgs({
    options: {
      stage: { type: 'string' },
      region: { type: 'string', default: process.env['AWS_REGION'] ?? 'us-east-1' },
      url: { type: 'string' },
      endpoint: { type: 'string' },
      'timeout-seconds': { type: 'string', default: '120' },
    },
    strict: true,
  });
  if (values.stage === undefined) throw new Error('usage: npm run smoke -- --stage NAME [--region R]');
  const config: AwsConfig = {
    region: values.region,
    ...(values.endpoint === undefined ? {} : { endpoint: values.endpoint }),
  };
  const { url, table } =
    values.url === undefined
      ? await stackOutputs(config, values.stage)
      : { url: values.url, table: namesFor(values.stage).table };
  const timeoutMs = Number(values['timeout-seconds']) * 1000;
  const doc = makeDocumentClient(config);
  const credentials = await doc.config.credentials();
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const send = async (command: object): Promise<string> => {
    const body = JSON.stringify(command);
    const endpoint = `${url.replace(/\/+$/, '')}/commands`;
    const headers = await signedPostHeaders(endpoint, body, credentials, values.region);
    const response = await fetch(endpoint, { method: 'POST', headers, body });
    const text = await response.text();
    if (response.status !== 202) throw new Error(`POST ${endpoint}: ${response.status} ${text}`);
    return (JSON.parse(text) as { messageId: string }).messageId;
  };
  const name = `smoke ${new Date().toISOString()} ${randomBytes(3).toString('hex')}`;
  const claim = () =>
    doc.send(
      new GetCommand({ TableName: table, Key: keys.groupName(groupIdOf(name)), ConsistentRead: true }),
    );
  try {
    const created = await send({ entityType: 'GROUP', eventType: 'GROUP_CREATED', eventData: { name } });
    log(`sent GROUP_CREATED "${name}" through ${url} as ${created}`);
    const outcome = await waitForOutcome(doc, table, created, timeoutMs);
    if (outcome.status !== 'APPLIED') throw new Error(`GROUP_CREATED was ${outcome.status}`);
    if ((await claim()).Item?.['name'] !== name) throw new Error(`group "${name}" is not in ${table}`);
    log(`read back from ${table}: group "${name}" exists`);
    const deleted = await send({ entityType: 'GROUP', eventType: 'GROUP_DELETED', eventData: { name } });
    const removal = await waitForOutcome(doc, table, deleted, timeoutMs);
    if (removal.status !== 'APPLIED') throw new Error(`GROUP_DELETED was ${removal.status}`);
    log(`cleaned up: GROUP_DELETED ${deleted} applied`);
    return 0;
  } finally {
    doc.destroy();
  }
};

if (require.main === module)
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`smoke test failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
