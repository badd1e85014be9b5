import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { makeDocumentClient, readDirectory } from '../../src/adapters/dynamodb';
import { cacheTableDefinition } from '../../src/adapters/dynamodb/table';
import { TABLE } from '../../src/domain/model';
import { makeSqsClient, receiveMessages } from '../../src/adapters/sqs';
import type { SQSEvent } from 'aws-lambda';
import { toSqsEvent } from '../../src/local/event-source-mapping';
import { provisionTopology } from '../../src/local/provision';
import { namesFor, topology } from '../../src/local/topology';
import { startPrivateEmulators } from '../support/emulators';

const run = promisify(execFile);
const ROOT = join(__dirname, '../..');
const out = mkdtempSync(join(tmpdir(), 'sls-package-'));

type Resource = { Type: string; Properties: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
type Template = { Resources: Record<string, Resource> };
const templates: Record<string, Template> = {};
const packageSeconds: Record<string, number> = {};

beforeAll(async () => {
  for (const stage of ['local', 'prod']) {
    const started = Date.now();
    await run('npx', ['osls', 'package', '--stage', stage, '--package', join(out, stage)], {
      cwd: ROOT,
      timeout: 120_000,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
    });
    packageSeconds[stage] = (Date.now() - started) / 1000;
    templates[stage] = JSON.parse(
      readFileSync(join(out, stage, 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as Template;
  }
}, 300_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Unzips a packaged function into a fresh folder outside the project (no node_modules to fall back on). */
const unzipped = async (stage: string, fn: string): Promise<string> => {
  const dir = join(out, 'unzipped', stage, fn);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await run('unzip', ['-o', '-q', join(out, stage, `${fn}.zip`), '-d', dir]);
  return dir;
};
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
const ARM64_BINARY = 'node_modules/@node-rs/argon2-linux-arm64-gnu/argon2.linux-arm64-gnu.node';

/**
 * Requires the bundled handler in a child Node that reports itself as linux/arm64 and records the
 * native files it is asked to load instead of loading them (an AArch64 binary cannot load on an x64
 * host). `@aws-sdk/*` comes from NODE_PATH, as the Lambda runtime provides it.
 */
const nativeFilesLoadedOnArm64 = async (dir: string, bundle: string): Promise<string[]> => {
  const probe = [
    "Object.defineProperty(process, 'platform', { value: 'linux' });",
    "Object.defineProperty(process, 'arch', { value: 'arm64' });",
    'const loaded = [];',
    'process.dlopen = (m, file) => { loaded.push(file); m.exports = {}; };',
    `require(${JSON.stringify(join(dir, bundle))});`,
    'process.stdout.write(JSON.stringify(loaded));',
  ].join('\n');
  const { stdout } = await run(process.execPath, ['-e', probe], {
    cwd: dir,
    env: { PATH: process.env['PATH'], NODE_PATH: join(ROOT, 'node_modules') },
  });
  return JSON.parse(stdout) as string[];
};

const ofType = (t: Template, type: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);
const resource = (t: Template, id: string): Resource => {
  const r = t.Resources[id];
  if (r === undefined) throw new Error(`no resource ${id}`);
  return r;
};

describe.each(['local', 'prod'])('osls package --stage %s', (stage) => {
  const t = () => templates[stage] as Template;
  const names = namesFor(stage);

  test('packages offline in under a minute', () => {
    expect(packageSeconds[stage]).toBeLessThan(60);
  });

  test('every queue uses SSE-SQS; the topic the AWS-managed SNS key; the table SSE, PITR and a TTL', () => {
    const queues = ofType(t(), 'AWS::SQS::Queue');
    expect(queues).toHaveLength(4);
    for (const [, q] of queues) expect(q.Properties['SqsManagedSseEnabled']).toBe(true);
    expect(resource(t(), 'CommandsTopic').Properties['KmsMasterKeyId']).toBe('alias/aws/sns');
    const table = resource(t(), 'CacheTable').Properties;
    expect(table).toMatchObject({
      TableName: names.table,
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    expect(table['GlobalSecondaryIndexes'][0].IndexName).toBe('gsi1');
  });

  test('both main queues redrive to their DLQ after maxReceiveCount >= 3; DLQs keep 14 days', () => {
    for (const [queue, dlq, key] of [
      ['InputQueue', 'InputDeadLetterQueue', 'input'],
      ['CacheQueue', 'CacheDeadLetterQueue', 'cache'],
    ] as const) {
      const props = resource(t(), queue).Properties;
      expect(props['RedrivePolicy']).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] },
        maxReceiveCount: topology.queues[key].maxReceiveCount,
      });
      expect(props['RedrivePolicy'].maxReceiveCount).toBeGreaterThanOrEqual(3);
      expect(resource(t(), dlq).Properties['MessageRetentionPeriod']).toBe(1209600);
    }
  });

  test('raw delivery from the topic to the cache queue, which only that topic may send to', () => {
    expect(resource(t(), 'CacheQueueSubscription').Properties).toEqual({
      TopicArn: { Ref: 'CommandsTopic' },
      Protocol: 'sqs',
      Endpoint: { 'Fn::GetAtt': ['CacheQueue', 'Arn'] },
      RawMessageDelivery: true,
    });
    const statement = resource(t(), 'CacheQueuePolicy').Properties['PolicyDocument'].Statement[0];
    expect(statement).toMatchObject({
      Effect: 'Allow',
      Principal: { Service: 'sns.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Condition: { ArnEquals: { 'aws:SourceArn': { Ref: 'CommandsTopic' } } },
    });
  });

  test('functions: nodejs22.x on arm64; SQS mappings report batch item failures; visibility >= 6x timeout', () => {
    const functions = ofType(t(), 'AWS::Lambda::Function');
    expect(functions).toHaveLength(4);
    for (const [, f] of functions) {
      expect(f.Properties['Runtime']).toBe('nodejs22.x');
      expect(f.Properties['Architectures']).toEqual(['arm64']);
    }
    const mappings = ofType(t(), 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(2);
    for (const [, m] of mappings) {
      expect(m.Properties['FunctionResponseTypes']).toEqual(['ReportBatchItemFailures']);
      expect(m.Properties['BatchSize']).toBe(10);
      const queueId = m.Properties['EventSourceArn']['Fn::GetAtt'][0] as string;
      const functionId = m.Properties['FunctionName']['Fn::GetAtt'][0] as string;
      const fn = functionId === 'MessageHandlerLambdaFunction' ? 'messageHandler' : 'cacheHandler';
      expect(m.Properties['ScalingConfig']).toEqual({
        MaximumConcurrency: topology.functions[fn].maximumConcurrency,
      });
      const visibility = resource(t(), queueId).Properties['VisibilityTimeout'] as number;
      expect(visibility).toBeGreaterThanOrEqual(
        6 * (resource(t(), functionId).Properties['Timeout'] as number),
      );
    }
  });

  test('names and ARNs reach code through environment variables, never hard-coded', () => {
    const env = (id: string) => resource(t(), id).Properties['Environment'].Variables;
    expect(env('MessageHandlerLambdaFunction')).toMatchObject({
      TOPIC_ARN: { Ref: 'CommandsTopic' },
      CACHE_TABLE_NAME: { Ref: 'CacheTable' },
    });
    expect(env('CacheHandlerLambdaFunction')).toMatchObject({
      CACHE_TABLE_NAME: { Ref: 'CacheTable' },
      CACHE_QUEUE_URL: { Ref: 'CacheQueue' },
    });
    expect(env('HttpProducerLambdaFunction')).toMatchObject({ INPUT_QUEUE_URL: { Ref: 'InputQueue' } });
  });

  test('one role per function, no wildcard action or resource, each limited to its own resources', () => {
    expect(t().Resources['IamRoleLambdaExecution']).toBeUndefined();
    const roles = Object.fromEntries(ofType(t(), 'AWS::IAM::Role'));
    expect(Object.keys(roles).sort()).toEqual([
      'CacheHandlerRole',
      'HttpProducerRole',
      'MessageHandlerRole',
      'ReadApiRole',
    ]);
    const refsOf = (role: string) => {
      const statements = roles[role]?.Properties['Policies'][0].PolicyDocument.Statement as {
        Action: string[];
        Resource: unknown;
      }[];
      for (const s of statements) {
        for (const action of s.Action) expect(action).not.toContain('*');
        expect(s.Resource).not.toBe('*');
        expect(JSON.stringify(s.Resource)).not.toMatch(/"\*"/);
      }
      return JSON.stringify(statements);
    };
    const message = refsOf('MessageHandlerRole');
    const cache = refsOf('CacheHandlerRole');
    const http = refsOf('HttpProducerRole');
    expect(message).toMatch(/InputQueue/);
    expect(message).toMatch(/CommandsTopic/);
    expect(message).not.toMatch(/CacheQueue|DeadLetter/);
    expect(message).toMatch(/"dynamodb:PutItem"\]/);
    expect(cache).toMatch(/CacheQueue/);
    expect(cache).not.toMatch(/InputQueue|CommandsTopic|sns:/);
    expect(cache).toMatch(/"sqs:SendMessage"\],"Resource":\{"Fn::GetAtt":\["CacheQueue","Arn"\]\}/);
    expect(http).toMatch(/"sqs:SendMessage"/);
    expect(http).not.toMatch(/CacheQueue|CommandsTopic|dynamodb/);
    for (const [role, fn] of [
      [message, 'messageHandler'],
      [cache, 'cacheHandler'],
      [http, 'httpProducer'],
    ] as const)
      expect(role).toContain(`/aws/lambda/user-directory-${stage}-${fn}:*`);
  });

  test('topology.json and the template agree (no drift from the embedded provisioning)', () => {
    for (const [id, key] of [
      ['InputQueue', 'input'],
      ['CacheQueue', 'cache'],
      ['InputDeadLetterQueue', 'inputDlq'],
      ['CacheDeadLetterQueue', 'cacheDlq'],
    ] as const) {
      const props = resource(t(), id).Properties;
      const spec = topology.queues[key] as { retentionSeconds: number; visibilityTimeoutSeconds?: number };
      expect(props['QueueName']).toBe(names.queues[key]);
      expect(props['MessageRetentionPeriod']).toBe(spec.retentionSeconds);
      if (spec.visibilityTimeoutSeconds !== undefined)
        expect(props['VisibilityTimeout']).toBe(spec.visibilityTimeoutSeconds);
    }
    expect(resource(t(), 'CommandsTopic').Properties['TopicName']).toBe(names.topic);
    for (const [id, key] of [
      ['MessageHandlerLambdaFunction', 'messageHandler'],
      ['CacheHandlerLambdaFunction', 'cacheHandler'],
      ['HttpProducerLambdaFunction', 'httpProducer'],
      ['ReadApiLambdaFunction', 'readApi'],
    ] as const) {
      expect(resource(t(), id).Properties['Timeout']).toBe(topology.functions[key].timeoutSeconds);
      expect(resource(t(), id).Properties['MemorySize']).toBe(topology.functions[key].memoryMiB);
    }
  });

  test('the table in the template is, field by field, the one provisioning creates from the model', () => {
    const props = resource(t(), 'CacheTable').Properties;
    const table = cacheTableDefinition(names.table);
    expect(Object.keys(props).sort()).toEqual(
      [
        'AttributeDefinitions',
        'BillingMode',
        'GlobalSecondaryIndexes',
        'KeySchema',
        'PointInTimeRecoverySpecification',
        'SSESpecification',
        'TableName',
        'TimeToLiveSpecification',
      ].sort(),
    );
    expect(props['TableName']).toBe(table.create.TableName);
    expect(props['BillingMode']).toBe(table.create.BillingMode);
    expect(props['AttributeDefinitions']).toEqual(table.create.AttributeDefinitions);
    expect(props['KeySchema']).toEqual(table.create.KeySchema);
    expect(props['GlobalSecondaryIndexes']).toEqual(table.create.GlobalSecondaryIndexes);
    expect(props['SSESpecification']).toEqual({ SSEEnabled: table.create.SSESpecification?.Enabled });
    expect(props['TimeToLiveSpecification']).toEqual(table.timeToLive);
    expect(props['PointInTimeRecoverySpecification']).toEqual({
      PointInTimeRecoveryEnabled: table.pointInTimeRecovery,
    });
    expect(table.create.KeySchema?.map((k) => k.AttributeName)).toEqual([TABLE.partitionKey, TABLE.sortKey]);
    expect(table.timeToLive.AttributeName).toBe(TABLE.ttlAttribute);
  });

  test('messageHandler.zip carries the AArch64 Argon2 binary of the pinned version, and the bundle loads it on arm64', async () => {
    const dir = await unzipped(stage, 'messageHandler');
    expect(filesUnder(dir).filter((f) => f.endsWith('.node'))).toEqual([ARM64_BINARY]);
    const elf = readFileSync(join(dir, ARM64_BINARY));
    expect([...elf.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    expect(elf[4]).toBe(2); // ELFCLASS64
    expect(elf[5]).toBe(1); // little endian
    expect(elf.readUInt16LE(18)).toBe(0xb7); // e_machine: EM_AARCH64
    const versionOf = (pkg: string) =>
      (
        JSON.parse(readFileSync(join(dir, 'node_modules', pkg, 'package.json'), 'utf8')) as {
          version: string;
        }
      ).version;
    const pinned = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
      }
    ).dependencies['@node-rs/argon2'];
    expect(versionOf('@node-rs/argon2')).toBe(pinned);
    expect(versionOf('@node-rs/argon2-linux-arm64-gnu')).toBe(pinned);
    expect(await nativeFilesLoadedOnArm64(dir, 'src/handlers/message-handler.js')).toEqual([
      join(dir, ARM64_BINARY),
    ]);
  });

  test.each(['cacheHandler', 'httpProducer'])(
    '%s.zip carries no native binary and no node_modules',
    async (fn) => {
      const files = filesUnder(await unzipped(stage, fn));
      expect(files.filter((f) => f.endsWith('.node') || f.startsWith('node_modules/'))).toEqual([]);
      expect(files).toHaveLength(1);
    },
  );

  test('zip sizes: messageHandler under 450 KB (a 649 KB binary, compressed), the others under 150 KB', () => {
    const size = (fn: string) => statSync(join(out, stage, `${fn}.zip`)).size;
    expect(size('messageHandler')).toBeLessThan(450 * 1000);
    expect(size('cacheHandler')).toBeLessThan(150 * 1000);
    expect(size('httpProducer')).toBeLessThan(150 * 1000);
    expect(size('readApi')).toBeLessThan(150 * 1000);
  });

  test('the read API: GET routes with IAM auth, served by a function whose role may only read the table', () => {
    const methods = ofType(t(), 'AWS::ApiGateway::Method').map(([, m]) => m.Properties);
    const reads = methods.filter((m) => m['HttpMethod'] === 'GET');
    expect(reads).toHaveLength(6);
    for (const m of reads) {
      expect(m['AuthorizationType']).toBe('AWS_IAM');
      expect(JSON.stringify(m['Integration'])).toContain('ReadApiLambdaFunction');
    }
    const paths = ofType(t(), 'AWS::ApiGateway::Resource').map(([, r]) => r.Properties['PathPart']);
    expect(paths).toEqual(expect.arrayContaining(['users', 'groups', 'rejections', 'members', '{id}']));
    const fn = resource(t(), 'ReadApiLambdaFunction').Properties;
    expect(fn['Role']).toEqual({ 'Fn::GetAtt': ['ReadApiRole', 'Arn'] });
    expect(fn['Environment'].Variables).toEqual(
      expect.objectContaining({ CACHE_TABLE_NAME: { Ref: 'CacheTable' } }),
    );
    const statements = resource(t(), 'ReadApiRole').Properties['Policies'][0].PolicyDocument.Statement as {
      Action: string[];
      Resource: unknown;
    }[];
    const actions = statements.flatMap((s) => s.Action).sort();
    expect(actions).toEqual(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:GetItem',
        'dynamodb:Query',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
      ].sort(),
    );
    const data = JSON.stringify(statements.filter((s) => s.Action.some((a) => a.startsWith('dynamodb:'))));
    expect(data).toContain('CacheTable');
    expect(data).toContain('/index/gsi1');
    expect(data).not.toMatch(/Queue|Topic/);
  });
});

describe('the packaged bundles run as Lambda would run them', () => {
  test('bundled message handler publishes, bundled cache handler applies (against fauxqs + DynamoDB Local)', async () => {
    const dir = join(ROOT, 'node_modules/.cache/bundle-smoke');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const fn of ['messageHandler', 'cacheHandler'])
      await run('unzip', ['-o', '-q', join(out, 'prod', `${fn}.zip`), '-d', join(dir, fn)]);
    const emulators = await startPrivateEmulators();
    const saved = { ...process.env };
    try {
      const config = { region: 'us-east-1', endpoint: emulators.endpoint };
      const stack = await provisionTopology(config, 'bundle');
      Object.assign(process.env, {
        AWS_ENDPOINT_URL: emulators.endpoint,
        AWS_REGION: 'us-east-1',
        TOPIC_ARN: stack.topicArn,
        CACHE_TABLE_NAME: stack.names.table,
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        // The zip carries the arm64 binary Lambda loads; on an x64 host the host build of the same
        // pinned version stands in for it (napi-rs loaders honour this variable before any other).
        ...(process.arch === 'arm64'
          ? {}
          : {
              NAPI_RS_NATIVE_LIBRARY_PATH: createRequire(join(ROOT, 'package.json')).resolve(
                `@node-rs/argon2-linux-${process.arch}-gnu`,
              ),
            }),
      });
      const load = (fn: string) =>
        createRequire(__filename)(
          join(dir, fn, 'src/handlers', `${fn === 'messageHandler' ? 'message' : 'cache'}-handler.js`),
        ) as { handler: (event: SQSEvent) => Promise<unknown> };
      const body = JSON.stringify({
        entityType: 'USER',
        eventType: 'USER_CREATED',
        eventData: { name: 'Zip', email: 'zip@example.com', password: 'bundled-secret' },
      });
      const sqs = makeSqsClient(config);
      const record = (m: {
        MessageId?: string;
        ReceiptHandle?: string;
        Body?: string;
        Attributes?: Record<string, string>;
      }) => m;
      const sent = await sqs.send(
        new SendMessageCommand({ QueueUrl: stack.queueUrls.input, MessageBody: body }),
      );
      const input = await receiveMessages(sqs, stack.queueUrls.input, 10, 1);
      expect(input.map((m) => m.MessageId)).toEqual([sent.MessageId]);
      expect(
        await load('messageHandler').handler(
          toSqsEvent(input.map(record), stack.queueArns.input, 'us-east-1'),
        ),
      ).toEqual({ batchItemFailures: [] });
      const published = await receiveMessages(sqs, stack.queueUrls.cache, 10, 2);
      expect(published).toHaveLength(1);
      expect(published[0]?.Body).toContain('"passwordHash":"$argon2id$v=19$m=19456,t=2,p=1$');
      expect(published[0]?.Body).not.toContain('bundled-secret');
      expect(
        await load('cacheHandler').handler(toSqsEvent(published, stack.queueArns.cache, 'us-east-1')),
      ).toEqual({ batchItemFailures: [] });
      const doc = makeDocumentClient(config);
      expect((await readDirectory(doc, stack.names.table)).users).toMatchObject([
        { email: 'zip@example.com', name: 'Zip' },
      ]);
      doc.destroy();
      sqs.destroy();
    } finally {
      process.env = saved;
      await emulators.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('LocalStack target', () => {
  test('docker-compose.yml pins the last free community image, mounts the Docker socket, binds loopback', async () => {
    const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'));
    const service = compose.services.localstack;
    expect(service.image).toBe('${LOCALSTACK_IMAGE:-localstack/localstack:4.14.0}');
    expect(service.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock');
    expect(service.ports).toContain('127.0.0.1:4566:4566');
    const { stdout } = await run('docker-compose', ['-f', join(ROOT, 'docker-compose.yml'), 'config'], {
      env: { ...process.env, LOCALSTACK_IMAGE: '' },
    });
    expect(parse(stdout).services.localstack.image).toBe('localstack/localstack:4.14.0');
  });

  test('serverless-localstack is set to the same pinned image, never the Pro default', () => {
    const sls = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), {
      customTags: [
        { tag: '!Ref', resolve: (v: unknown) => v },
        { tag: '!GetAtt', resolve: (v: unknown) => v },
        { tag: '!Sub', resolve: (v: unknown) => v },
      ],
    });
    expect(sls.custom.localstack).toMatchObject({
      image: 'localstack/localstack:4.14.0',
      stages: ['local'],
      lambda: { mountCode: false },
    });
    expect(sls.custom.esbuild).toMatchObject({ exclude: ['@aws-sdk/*'], skipRebuild: true });
  });
});
