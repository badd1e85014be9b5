import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { clientOptions } from '../../src/adapters/aws-config';
import { scanAll } from '../support/emulators';
import {
  EVENTS,
  captureOutput,
  expectedState,
  rejectionsOf,
  sendAndWait,
  startTestStack,
  stateOf,
  type TestStack,
} from '../support/e2e';

const S = expectedState;
const ANA = 'ana.paula@example.com';
const ANA2 = 'ana.souza@example.com';
const BRUNO = 'bruno@example.com';
const CARLA = 'carla@example.com';
const PE = 'Platform Engineering';

/** The state after each file of events/, in sending order, and the rejection it adds (if any). */
const script: [
  file: string,
  state: ReturnType<typeof S>,
  rejection?: { eventType: string | null; reasons: string[] },
][] = [
  ['01-group-created-engineering.json', S([], [['Engineering', []]])],
  [
    '02-group-created-marketing.json',
    S(
      [],
      [
        ['Engineering', []],
        ['Marketing', []],
      ],
    ),
  ],
  [
    '03-group-created-sales.json',
    S(
      [],
      [
        ['Engineering', []],
        ['Marketing', []],
        ['Sales', []],
      ],
    ),
  ],
  [
    '04-user-created-ana.json',
    S(
      [[ANA, 'Ana Paula', ['Engineering', 'Marketing']]],
      [
        ['Engineering', [ANA]],
        ['Marketing', [ANA]],
        ['Sales', []],
      ],
    ),
  ],
  [
    '05-user-created-bruno-group-by-id.json',
    S(
      [
        [ANA, 'Ana Paula', ['Engineering', 'Marketing']],
        [BRUNO, 'Bruno Lima', ['Engineering']],
      ],
      [
        ['Engineering', [ANA, BRUNO]],
        ['Marketing', [ANA]],
        ['Sales', []],
      ],
    ),
  ],
  [
    '06-user-created-carla.json',
    S(
      [
        [ANA, 'Ana Paula', ['Engineering', 'Marketing']],
        [BRUNO, 'Bruno Lima', ['Engineering']],
        [CARLA, 'Carla Dias', ['Engineering', 'Sales']],
      ],
      [
        ['Engineering', [ANA, BRUNO, CARLA]],
        ['Marketing', [ANA]],
        ['Sales', [CARLA]],
      ],
    ),
  ],
  [
    '07-group-renamed-with-members.json',
    S(
      [
        [ANA, 'Ana Paula', ['Marketing', PE]],
        [BRUNO, 'Bruno Lima', [PE]],
        [CARLA, 'Carla Dias', [PE, 'Sales']],
      ],
      [
        ['Marketing', [ANA]],
        [PE, [ANA, BRUNO, CARLA]],
        ['Sales', [CARLA]],
      ],
    ),
  ],
  [
    '08-user-email-changed.json',
    S(
      [
        [ANA2, 'Ana Paula Souza', [PE]],
        [BRUNO, 'Bruno Lima', [PE]],
        [CARLA, 'Carla Dias', [PE, 'Sales']],
      ],
      [
        ['Marketing', []],
        [PE, [ANA2, BRUNO, CARLA]],
        ['Sales', [CARLA]],
      ],
    ),
  ],
  [
    '09-group-deleted-with-members.json',
    S(
      [
        [ANA2, 'Ana Paula Souza', [PE]],
        [BRUNO, 'Bruno Lima', [PE]],
        [CARLA, 'Carla Dias', [PE]],
      ],
      [
        ['Marketing', []],
        [PE, [ANA2, BRUNO, CARLA]],
      ],
    ),
  ],
  [
    '10-user-updated-by-id.json',
    S(
      [
        [ANA2, 'Ana Paula Souza', [PE]],
        [BRUNO, 'Bruno Lima', [PE]],
        [CARLA, 'Carla Dias', ['Marketing', PE]],
      ],
      [
        ['Marketing', [CARLA]],
        [PE, [ANA2, BRUNO, CARLA]],
      ],
    ),
  ],
];
const final = S(
  [
    [ANA2, 'Ana Paula Souza', [PE]],
    [CARLA, 'Carla Dias', ['Marketing', PE]],
  ],
  [
    ['Marketing', [CARLA]],
    [PE, [ANA2, CARLA]],
  ],
);
script.push(
  ['11-user-deleted.json', final],
  [
    '12-rejected-bad-email.json',
    final,
    {
      eventType: 'USER_CREATED',
      reasons: ['eventData.email: is not an email address (expected local@domain)'],
    },
  ],
  [
    '13-rejected-unknown-group.json',
    final,
    { eventType: 'USER_CREATED', reasons: ['groups: unknown group: "Finance"'] },
  ],
  [
    '14-rejected-taken-group-name.json',
    final,
    { eventType: 'GROUP_CREATED', reasons: ['name: a group named "Marketing" already exists'] },
  ],
  [
    '15-rejected-taken-email.json',
    final,
    { eventType: 'USER_UPDATED', reasons: [`email: a user with email "${ANA2}" already exists`] },
  ],
  [
    '16-rejected-broken-json.json',
    final,
    { eventType: null, reasons: ['body: is not valid JSON (syntax error at position 80)'] },
  ],
  [
    '17-rejected-kinds-disagree.json',
    final,
    {
      eventType: 'USER_DELETED',
      reasons: [
        'eventType: USER_DELETED does not belong to entityType GROUP (entityType and eventType disagree)',
      ],
    },
  ],
);

let t: TestStack;
let spyQueueUrl: string;
const logs = captureOutput();
const sent: { file: string; messageId: string; status: string }[] = [];

/**
 * Sends the files of events/ in order, each waited for, up to and including step `index`, skipping
 * those sent already: a step run alone (`jest -t`) first replays the steps before it.
 */
const sendThrough = async (index: number) => {
  while (sent.length <= index) {
    const [file] = script[sent.length] ?? [];
    if (file === undefined) throw new Error(`events/ has no step ${sent.length + 1}`);
    const { messageId, outcome } = await sendAndWait(t, readFileSync(join(EVENTS, file), 'utf8'));
    sent.push({ file, messageId, status: outcome.status });
  }
  return sent[index] as { file: string; messageId: string; status: string };
};
/** The rejections the steps up to and including `index` add, oldest first. */
const rejectionsThrough = (index: number) =>
  script.slice(0, index + 1).flatMap(([, , rejection]) => (rejection === undefined ? [] : [rejection]));
/** Long enough for a step run alone to replay the whole scenario before it. */
const REPLAY_TIMEOUT = 120_000;

beforeAll(async () => {
  t = await startTestStack();
  const sqs = t.target.sqs;
  spyQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'spy-on-topic' }))).QueueUrl ?? '';
  const arn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: spyQueueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.['QueueArn'];
  const sns = new SNSClient(clientOptions(t.stack.config));
  await sns.send(
    new SubscribeCommand({
      TopicArn: t.stack.topicArn,
      Protocol: 'sqs',
      Endpoint: arn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  sns.destroy();
}, 60_000);
afterAll(async () => {
  logs.restore();
  await t.stack.stop();
});

test('events/ holds exactly the scripted files', () => {
  expect(
    readdirSync(EVENTS)
      .filter((f) => f.endsWith('.json'))
      .sort(),
  ).toEqual(script.map(([f]) => f));
});

describe('each file of events/, in order: the exact state and rejections after it', () => {
  const steps = script.map(([file, state, rejection], index) => ({
    file,
    index,
    state,
    rejection: rejection ?? null,
  }));
  test.each(steps)(
    '$file',
    async ({ index, state, rejection }) => {
      const { status } = await sendThrough(index);
      expect(status).toBe(rejection === null ? 'APPLIED' : 'REJECTED');
      expect(await stateOf(t)).toEqual(state);
      expect(await rejectionsOf(t)).toEqual(rejectionsThrough(index));
    },
    REPLAY_TIMEOUT,
  );
});

describe('after the whole scenario', () => {
  const passwords = () =>
    script
      .map(([file]) => readFileSync(join(EVENTS, file), 'utf8'))
      .flatMap((body) => {
        try {
          const p = (JSON.parse(body) as { eventData?: { password?: unknown } }).eventData?.password;
          return typeof p === 'string' ? [p] : [];
        } catch {
          return [];
        }
      });

  test(
    'a reader never sees a user group list disagree with the group member lists',
    async () => {
      await sendThrough(script.length - 1);
      const state = await stateOf(t);
      for (const user of state.users)
        for (const group of state.groups)
          expect(user.groups.includes(group.name)).toBe(group.members.includes(user.email));
    },
    REPLAY_TIMEOUT,
  );

  test(
    'no plaintext password in any table item, SNS message body or log line',
    async () => {
      await sendThrough(script.length - 1);
      const secrets = passwords();
      expect(secrets.length).toBeGreaterThanOrEqual(4);
      // Long enough that a random salt or hash cannot contain one by chance.
      for (const secret of secrets) expect(secret.length).toBeGreaterThanOrEqual(8);
      const items = JSON.stringify(await scanAll(t.target.doc, t.stack.names.table));
      const bodies: string[] = [];
      for (let i = 0; i < 10; i += 1) {
        const r = await t.target.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: spyQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        bodies.push(...(r.Messages ?? []).map((m) => m.Body ?? ''));
        if ((r.Messages ?? []).length === 0) break;
      }
      expect(bodies.length).toBe(sent.filter((s) => s.status === 'APPLIED').length + 3);
      expect(bodies.some((b) => b.includes('"passwordHash":"$argon2id$v=19$m=19456,t=2,p=1$'))).toBe(true);
      for (const secret of secrets) {
        expect(items).not.toContain(secret);
        for (const body of bodies) expect(body).not.toContain(secret);
        for (const line of logs.lines) expect(line).not.toContain(secret);
      }
    },
    REPLAY_TIMEOUT,
  );

  test(
    'one structured log line per command outcome, carrying its commandId through both handlers',
    async () => {
      await sendThrough(script.length - 1);
      const lines = logs.json();
      for (const { messageId, status, file } of sent) {
        const mine = lines.filter((l) => l['commandId'] === messageId);
        const waiting = 'cache-handler: command waits for an entity it names';
        const all = mine.map((l) => `${String(l['service'])}: ${String(l['message'])}`);
        // within the settle window a command naming a missing group is tried again before its outcome
        if (!file.startsWith('13')) expect(all).not.toContain(waiting);
        const services = all.filter((line) => line !== waiting);
        if (file.startsWith('12') || file.startsWith('16') || file.startsWith('17'))
          expect(services).toEqual(['message-handler: command rejected']);
        else
          expect(services).toEqual([
            'message-handler: command accepted and published',
            `cache-handler: command ${status === 'APPLIED' ? 'applied' : 'rejected'}`,
          ]);
        for (const l of mine)
          expect(l).toMatchObject({ level: expect.any(String), timestamp: expect.any(String) });
      }
    },
    REPLAY_TIMEOUT,
  );
});
