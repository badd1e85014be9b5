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
import { GSI_ATTRIBUTES, PREFIX, TABLE } from '../../src/domain/model';
import { makeSqsClient, receiveMessages } from '../../src/adapters/sqs';
import type { SQSEvent } from 'aws-lambda';
import { toSqsEvent } from '../../src/local/event-source-mapping';
import { provisionTopology } from '../../src/local/provision';
import { namesFor, topology } from '../../src/local/topology';
import { startPrivateEmulators } from '../support/emulators';

const run = promisify(execFile);
const ROOT = join(__dirname, '../..');
const out = mkdtempSync(join(tmpdir(), 'sls-package-'));

type Resource = { Type: string; Condition?: string; Properties: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
type Template = { Resources: Record<string, Resource>; Conditions?: Record<string, unknown> };
const templates: Record<string, Template> = {};
const packageSeconds: Record<string, number> = {};

beforeAll(async () => {
  for (const stage of ['local', 'prod', 'ordered']) {
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
/** What each Lambda architecture needs of the native Argon2 package: Node's arch name and the ELF machine. */
const NATIVE = {
  arm64: { nodeArch: 'arm64', elfMachine: 0xb7 /* EM_AARCH64 */ },
  x86_64: { nodeArch: 'x64', elfMachine: 0x3e /* EM_X86_64 */ },
} as const;
const binaryOf = (architecture: keyof typeof NATIVE) => {
  const cpu = NATIVE[architecture].nodeArch;
  return `node_modules/@node-rs/argon2-linux-${cpu}-gnu/argon2.linux-${cpu}-gnu.node`;
};
/**
 * The architecture serverless.yml gives the local stage (serverless/host-architecture.js): the
 * packaging host's, unless LOCAL_LAMBDA_ARCHITECTURE names the Docker host's.
 */
const forced = process.env['LOCAL_LAMBDA_ARCHITECTURE'];
const HOST_ARCHITECTURE =
  forced === 'arm64' || forced === 'x86_64' ? forced : process.arch === 'arm64' ? 'arm64' : 'x86_64';

/**
 * Requires the bundled handler in a child Node that reports itself as linux on `nodeArch` and records
 * the native files it is asked to load instead of loading them (an AArch64 binary cannot load on an
 * x64 host). `@aws-sdk/*` comes from NODE_PATH, as the Lambda runtime provides it.
 */
const nativeFilesLoadedOn = async (nodeArch: string, dir: string, bundle: string): Promise<string[]> => {
  const probe = [
    "Object.defineProperty(process, 'platform', { value: 'linux' });",
    `Object.defineProperty(process, 'arch', { value: '${nodeArch}' });`,
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

  test('the cache queues use SSE-SQS, the input queue and its DLQ a customer-managed key; the topic the AWS-managed SNS key; the table SSE, PITR and a TTL', () => {
    const queues = ofType(t(), 'AWS::SQS::Queue');
    expect(queues).toHaveLength(4);
    for (const id of ['CacheQueue', 'CacheDeadLetterQueue'])
      expect(resource(t(), id).Properties['SqsManagedSseEnabled']).toBe(true);
    for (const id of ['InputQueue', 'InputDeadLetterQueue']) {
      expect(resource(t(), id).Properties['KmsMasterKeyId']).toEqual({
        'Fn::GetAtt': ['InputQueueKey', 'Arn'],
      });
      expect(resource(t(), id).Properties['SqsManagedSseEnabled']).toBeUndefined();
    }
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

  // arm64 on AWS; the local stage (LocalStack on this Docker host) follows the host's CPU
  const architecture = stage === 'local' ? HOST_ARCHITECTURE : 'arm64';

  test(`functions: nodejs24.x on ${architecture}; SQS mappings report batch item failures; visibility >= 6x timeout`, () => {
    const functions = ofType(t(), 'AWS::Lambda::Function');
    expect(functions).toHaveLength(4);
    for (const [, f] of functions) {
      expect(f.Properties['Runtime']).toBe('nodejs24.x');
      expect(f.Properties['Architectures']).toEqual([architecture]);
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
    const inputArn = `arn:\${AWS::Partition}:sqs:\${AWS::Region}:\${AWS::AccountId}:${names.queues.input}`;
    expect(message).toContain(`"Resource":{"Fn::Sub":"${inputArn}"}`);
    expect(http).toContain(`"Resource":{"Fn::Sub":"${inputArn}"}`);
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
      const spec = topology.queues[key] as {
        retentionSeconds: number;
        visibilityTimeoutSeconds?: number;
        maximumMessageBytes?: number;
      };
      expect(props['QueueName']).toBe(names.queues[key]);
      expect(props['MessageRetentionPeriod']).toBe(spec.retentionSeconds);
      expect(props['MaximumMessageSize']).toBe(spec.maximumMessageBytes);
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

  describe('security controls (docs/security.md)', () => {
    type Statement = {
      Sid?: string;
      Effect: string;
      Principal?: unknown;
      Action: string | string[];
      Resource: unknown;
      Condition?: Record<string, Record<string, unknown>>;
    };
    const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
    /** Every statement a role gets: its inline policies and the AWS::IAM::Policy resources attached to it. */
    const statementsOfRole = (role: string): Statement[] => [
      ...(
        resource(t(), role).Properties['Policies'] as { PolicyDocument: { Statement: Statement[] } }[]
      ).flatMap((p) => p.PolicyDocument.Statement),
      ...ofType(t(), 'AWS::IAM::Policy')
        .filter(([, p]) => JSON.stringify(p.Properties['Roles']) === JSON.stringify([{ Ref: role }]))
        .flatMap(([, p]) => p.Properties['PolicyDocument'].Statement as Statement[]),
    ];
    const roleArn = (role: string) => ({ 'Fn::GetAtt': [role, 'Arn'] });
    const DATA_PLANE = /^kms:(Encrypt|Decrypt|ReEncrypt.*|GenerateDataKey.*|CreateGrant|\*)$/;

    test('POST /commands requires SigV4 (AWS_IAM, never NONE); the stage is throttled; the producer has a reserved concurrency', () => {
      const methods = ofType(t(), 'AWS::ApiGateway::Method');
      // POST /commands, and the six GET routes of the read API
      expect(methods.map(([, m]) => m.Properties['HttpMethod']).sort()).toEqual([
        ...Array<string>(6).fill('GET'),
        'POST',
      ]);
      for (const [, m] of methods) {
        expect(m.Properties['AuthorizationType']).toBe('AWS_IAM');
        expect(m.Properties['AuthorizationType']).not.toBe('NONE');
      }
      const deployments = ofType(t(), 'AWS::ApiGateway::Deployment');
      expect(deployments).toHaveLength(1);
      expect(deployments[0]?.[1].Properties['StageDescription']).toEqual({
        ThrottlingRateLimit: topology.api.throttle.rateLimit,
        ThrottlingBurstLimit: topology.api.throttle.burstLimit,
      });
      expect(topology.api.throttle.rateLimit).toBeGreaterThan(0);
      const reserved = resource(t(), 'HttpProducerLambdaFunction').Properties['ReservedConcurrentExecutions'];
      expect(reserved).toBe(topology.functions.httpProducer.reservedConcurrency);
      expect(reserved).toBeGreaterThan(0);
    });

    test('a customer-managed key with rotation: the account administers it, only the producer encrypts, only the message handler decrypts', () => {
      const key = resource(t(), 'InputQueueKey').Properties;
      expect(key['EnableKeyRotation']).toBe(true);
      const statements = key['KeyPolicy'].Statement as Statement[];
      const bySid = Object.fromEntries(statements.map((st) => [st.Sid, st]));
      expect(Object.keys(bySid).sort()).toEqual(
        ['AccountAdministersTheKey', 'OnlyTheMessageHandlerDecrypts', 'OnlyTheProducerEncrypts'].sort(),
      );
      for (const st of statements) expect(st.Effect).toBe('Allow');
      const admin = bySid['AccountAdministersTheKey'] as Statement;
      expect(admin.Principal).toEqual({
        AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' },
      });
      expect(actionsOf(admin)).toEqual(
        expect.arrayContaining(['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion']),
      );
      for (const action of actionsOf(admin)) {
        expect(action).not.toMatch(DATA_PLANE);
        expect(action).not.toContain('*');
      }
      const via = { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'sqs.${AWS::Region}.amazonaws.com' } } };
      expect(bySid['OnlyTheProducerEncrypts']).toMatchObject({
        Principal: { AWS: roleArn('HttpProducerRole') },
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Condition: via,
      });
      expect(bySid['OnlyTheMessageHandlerDecrypts']).toMatchObject({
        Principal: { AWS: roleArn('MessageHandlerRole') },
        Action: 'kms:Decrypt',
        Condition: via,
      });
    });

    test('each role gets exactly the KMS action it needs, on that key only', () => {
      const kmsOf = (role: string) =>
        statementsOfRole(role)
          .filter((st) => actionsOf(st).some((a) => a.startsWith('kms:')))
          .map((st) => ({ actions: actionsOf(st), resource: st.Resource }));
      const key = { 'Fn::GetAtt': ['InputQueueKey', 'Arn'] };
      expect(kmsOf('HttpProducerRole')).toEqual([
        { actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resource: key },
      ]);
      expect(kmsOf('MessageHandlerRole')).toEqual([{ actions: ['kms:Decrypt'], resource: key }]);
      expect(kmsOf('CacheHandlerRole')).toEqual([]);
    });

    test('the message handler writes only COMMAND# items (a leading-keys condition on its only DynamoDB statement)', () => {
      const dynamo = statementsOfRole('MessageHandlerRole').filter((st) =>
        actionsOf(st).some((a) => a.startsWith('dynamodb:')),
      );
      expect(dynamo).toEqual([
        {
          Effect: 'Allow',
          Action: ['dynamodb:PutItem'],
          Resource: { 'Fn::GetAtt': ['CacheTable', 'Arn'] },
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${PREFIX.command}*`] } },
        },
      ]);
    });

    test('no GSI projects ALL or passwordHash; the GSI carries what its queries read', () => {
      const indexes = resource(t(), 'CacheTable').Properties['GlobalSecondaryIndexes'] as {
        Projection: { ProjectionType: string; NonKeyAttributes?: string[] };
      }[];
      expect(indexes.length).toBeGreaterThan(0);
      for (const index of indexes) {
        expect(index.Projection.ProjectionType).not.toBe('ALL');
        expect(index.Projection.NonKeyAttributes ?? []).not.toContain('passwordHash');
      }
      expect(indexes[0]?.Projection).toEqual({
        ProjectionType: 'INCLUDE',
        NonKeyAttributes: [...GSI_ATTRIBUTES],
      });
      expect(GSI_ATTRIBUTES).toEqual(
        expect.arrayContaining([
          'userKey',
          'userId',
          'email',
          'name',
          'groupKey',
          'groupId',
          'status',
          'reasons',
        ]),
      );
    });

    test('only the message handler role may publish to the topic', () => {
      const policies = ofType(t(), 'AWS::SNS::TopicPolicy');
      expect(policies).toHaveLength(1);
      const props = policies[0]?.[1].Properties as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      expect(props['Topics']).toEqual([{ Ref: 'CommandsTopic' }]);
      expect(props['PolicyDocument'].Statement).toEqual([
        {
          Sid: 'OnlyTheMessageHandlerPublishes',
          Effect: 'Allow',
          Principal: { AWS: roleArn('MessageHandlerRole') },
          Action: 'sns:Publish',
          Resource: { Ref: 'CommandsTopic' },
        },
        {
          Sid: 'NoOtherPublisher',
          Effect: 'Deny',
          Principal: '*',
          Action: 'sns:Publish',
          Resource: { Ref: 'CommandsTopic' },
          Condition: { ArnNotEquals: { 'aws:PrincipalArn': roleArn('MessageHandlerRole') } },
        },
      ]);
      const publishers = ['HttpProducerRole', 'CacheHandlerRole', 'MessageHandlerRole'].filter((role) =>
        statementsOfRole(role).some((st) => actionsOf(st).includes('sns:Publish')),
      );
      expect(publishers).toEqual(['MessageHandlerRole']);
    });

    test('both SQS event sources have a maximumConcurrency', () => {
      const mappings = ofType(t(), 'AWS::Lambda::EventSourceMapping');
      expect(mappings).toHaveLength(2);
      for (const [, m] of mappings)
        expect(m.Properties['ScalingConfig'].MaximumConcurrency).toBeGreaterThanOrEqual(2);
    });
  });

  test("messageHandler.zip carries the Argon2 binary of the pinned version for the function's declared architecture, and the bundle loads it there", async () => {
    const declared = resource(t(), 'MessageHandlerLambdaFunction').Properties['Architectures'] as [
      keyof typeof NATIVE,
    ];
    expect(declared).toEqual([architecture]);
    const binary = binaryOf(declared[0]);
    const dir = await unzipped(stage, 'messageHandler');
    expect(filesUnder(dir).filter((f) => f.endsWith('.node'))).toEqual([binary]);
    const elf = readFileSync(join(dir, binary));
    expect([...elf.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    expect(elf[4]).toBe(2); // ELFCLASS64
    expect(elf[5]).toBe(1); // little endian
    expect(elf.readUInt16LE(18)).toBe(NATIVE[declared[0]].elfMachine); // e_machine
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
    expect(versionOf(`@node-rs/argon2-linux-${NATIVE[declared[0]].nodeArch}-gnu`)).toBe(pinned);
    expect(
      await nativeFilesLoadedOn(NATIVE[declared[0]].nodeArch, dir, 'src/handlers/message-handler.js'),
    ).toEqual([join(dir, binary)]);
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

describe('operations: the prod template alarms on DLQs, stalled queues and handler failures', () => {
  const t = () => templates['prod'] as Template;
  const alarms = () =>
    ofType(t(), 'AWS::CloudWatch::Alarm').map(([id, r]): Record<string, unknown> => ({
      id,
      ...(r.Properties as Record<string, unknown>),
    }));
  const alarmOn = (namespace: string, metric: string, dimension: string, value: unknown) => {
    const found = alarms().filter(
      (a) =>
        a['Namespace'] === namespace &&
        a['MetricName'] === metric &&
        JSON.stringify(a['Dimensions']) === JSON.stringify([{ Name: dimension, Value: value }]),
    );
    expect(found).toHaveLength(1);
    return found[0] as Record<string, unknown>;
  };

  test('each DLQ: an alarm as soon as one message is visible in it', () => {
    for (const dlq of ['InputDeadLetterQueue', 'CacheDeadLetterQueue'])
      expect(
        alarmOn('AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', {
          'Fn::GetAtt': [dlq, 'QueueName'],
        }),
      ).toMatchObject({ Statistic: 'Maximum', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
  });

  test('each main queue: an alarm when its oldest message is older than a failing message can legitimately be', () => {
    for (const [queue, key] of [
      ['InputQueue', 'input'],
      ['CacheQueue', 'cache'],
    ] as const) {
      const alarm = alarmOn('AWS/SQS', 'ApproximateAgeOfOldestMessage', 'QueueName', {
        'Fn::GetAtt': [queue, 'QueueName'],
      });
      const { maxReceiveCount, visibilityTimeoutSeconds } = topology.queues[key];
      expect(alarm).toMatchObject({ Statistic: 'Maximum', ComparisonOperator: 'GreaterThanThreshold' });
      expect(alarm['Threshold']).toBeGreaterThan(maxReceiveCount * visibilityTimeoutSeconds);
    }
  });

  test('each handler: an alarm on any error and any throttle', () => {
    for (const fn of ['MessageHandler', 'CacheHandler', 'HttpProducer'])
      for (const metric of ['Errors', 'Throttles'])
        expect(alarmOn('AWS/Lambda', metric, 'FunctionName', { Ref: `${fn}LambdaFunction` })).toMatchObject({
          Statistic: 'Sum',
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
        });
  });

  test('exactly these 10 alarms, each named for its stage and notifying the alarm topic on ALARM and on OK', () => {
    expect(alarms()).toHaveLength(10);
    for (const a of alarms()) {
      expect(a['AlarmName']).toMatch(/^user-directory-prod-/);
      expect(a['AlarmDescription']).toContain('docs/operations.md#runbook');
      expect(a['AlarmActions']).toEqual([{ Ref: 'AlarmTopic' }]);
      expect(a['OKActions']).toEqual([{ Ref: 'AlarmTopic' }]);
      expect(a['TreatMissingData']).toBe('notBreaching');
    }
    expect(resource(t(), 'AlarmTopic').Properties['TopicName']).toBe('user-directory-prod-alarms');
  });

  test('no email subscription unless ALARM_EMAIL is set at deploy time; then one, to that address', async () => {
    const subscription = resource(t(), 'AlarmEmailSubscription');
    expect(subscription.Condition).toBe('HasAlarmEmail');
    expect(t().Conditions?.['HasAlarmEmail']).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
    const { stdout } = await run('npx', ['osls', 'print', '--stage', 'prod', '--format', 'json'], {
      cwd: ROOT,
      timeout: 60_000,
      env: {
        ...process.env,
        ALARM_EMAIL: 'ops@example.com',
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
      },
    });
    const printed = JSON.parse(stdout) as {
      resources: { Conditions: Record<string, unknown>; Resources: Record<string, Resource> };
    };
    expect(printed.resources.Conditions['HasAlarmEmail']).toEqual({
      'Fn::Not': [{ 'Fn::Equals': ['ops@example.com', ''] }],
    });
    expect(printed.resources.Resources['AlarmEmailSubscription']?.Properties).toMatchObject({
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  }, 90_000);
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
    // with SERVICES set, unlisted services are off: DynamoDB SSE needs kms, the alarms cloudwatch
    const services = (service.environment as string[]).find((e) => e.startsWith('SERVICES='));
    expect(services?.slice('SERVICES='.length).split(',')).toEqual(
      expect.arrayContaining(['cloudformation', 'lambda', 'sqs', 'sns', 'dynamodb', 'kms', 'cloudwatch']),
    );
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
        { tag: '!If', collection: 'seq', resolve: (v: unknown) => v },
        { tag: '!Not', collection: 'seq', resolve: (v: unknown) => v },
        { tag: '!Equals', collection: 'seq', resolve: (v: unknown) => v },
      ],
    });
    expect(sls.custom.localstack).toMatchObject({
      image: 'localstack/localstack:4.14.0',
      stages: ['local', 'local-ordered'],
      lambda: { mountCode: false },
    });
    // the LocalStack stage of the ordered mode (npm run test:localstack deploys it next to local)
    expect(namesFor('local-ordered').mode).toBe('ordered');
    expect(namesFor('local-ordered').queues.input).toMatch(/-local-ordered-input\.fifo$/);
    expect(sls.custom.esbuild).toMatchObject({ exclude: ['@aws-sdk/*'], skipRebuild: true });
  });
});

describe('the ordered mode: stage "ordered" is ordered in topology.json (ordering.stages)', () => {
  /** A property's value once the template's `Ordered` condition is evaluated (undefined: AWS::NoValue). */
  const valueOf = (template: Template, value: unknown): unknown => {
    const branch = (value as { 'Fn::If'?: [string, unknown, unknown] })?.['Fn::If'];
    if (branch === undefined) return value;
    const [a, b] = (template.Conditions?.[branch[0]] as { 'Fn::Equals': [unknown, unknown] })['Fn::Equals'];
    const chosen = a === b ? branch[1] : branch[2];
    return (chosen as { Ref?: string })?.Ref === 'AWS::NoValue' ? undefined : chosen;
  };
  const QUEUES = ['InputQueue', 'InputDeadLetterQueue', 'CacheQueue', 'CacheDeadLetterQueue'];

  test('FIFO queues, DLQs and topic, named as the embedded provisioning names them, with explicit deduplication ids', () => {
    const t = templates['ordered']!;
    const names = namesFor('ordered');
    expect(names.mode).toBe('ordered');
    for (const id of QUEUES) {
      const props = t.Resources[id]!.Properties;
      expect(props['QueueName']).toMatch(/\.fifo$/);
      expect(valueOf(t, props['FifoQueue'])).toBe(true);
      expect(valueOf(t, props['ContentBasedDeduplication'])).toBe(false);
    }
    expect(t.Resources['InputQueue']!.Properties['QueueName']).toBe(names.queues.input);
    expect(t.Resources['CacheQueue']!.Properties['QueueName']).toBe(names.queues.cache);
    const topic = t.Resources['CommandsTopic']!.Properties;
    expect(topic['TopicName']).toBe(names.topic);
    expect(valueOf(t, topic['FifoTopic'])).toBe(true);
  });

  test.each(['local', 'prod'])('stage %s stays standard: no FIFO attribute at all', (stage) => {
    const t = templates[stage]!;
    for (const id of QUEUES) {
      const props = t.Resources[id]!.Properties;
      expect(props['QueueName']).not.toMatch(/\.fifo$/);
      expect(valueOf(t, props['FifoQueue'])).toBeUndefined();
      expect(valueOf(t, props['ContentBasedDeduplication'])).toBeUndefined();
    }
    expect(valueOf(t, t.Resources['CommandsTopic']!.Properties['FifoTopic'])).toBeUndefined();
  });
});
