import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { SNSClient, SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { clientOptions } from '../../src/adapters/aws-config';
import { pollUntil } from '../../src/adapters/poll-until';
import { scanAll } from '../support/emulators';
import {
  EVENTS,
  expectedState,
  openTestStack,
  passwordsIn,
  patience,
  rejectionsOf,
  sendAndWait,
  stateOf,
  type StackUnderTest,
  type TestStack,
} from '../support/e2e';
import { eventsScope } from '../support/scope';

// Target-agnostic: runs on a private embedded stack, or on the stack E2E_ENDPOINT names (see
// test/e2e/embedded-only.json). Names and emails live in a namespace of this run, so a shared table
// holding other runs' data changes nothing; states and rejections are read for this run only.
const scope = eventsScope();
/** The expected state, in this run's namespace. */
const S = (users: [string, string, string[]][], groups: [string, string[]][]) =>
  expectedState(
    users.map(([email, name, g]) => [scope.email(email), name, g.map(scope.name)]),
    groups.map(([name, members]) => [scope.name(name), members.map(scope.email)]),
  );
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

let t: TestStack<StackUnderTest>;
let spyQueueUrl: string;
let spySubscription: string | undefined;
const sent: { file: string; messageId: string; status: string }[] = [];

/**
 * Sends the files of events/ in order, each waited for, up to and including step `index`, skipping
 * those sent already: a step run alone (`jest -t`) first replays the steps before it.
 */
const sendThrough = async (index: number) => {
  while (sent.length <= index) {
    const [file] = script[sent.length] ?? [];
    if (file === undefined) throw new Error(`events/ has no step ${sent.length + 1}`);
    const { messageId, outcome } = await sendAndWait(t, scope.text(readFileSync(join(EVENTS, file), 'utf8')));
    sent.push({ file, messageId, status: outcome.status });
  }
  return sent[index] as { file: string; messageId: string; status: string };
};
/** The rejections the steps up to and including `index` add, oldest first. */
const rejectionsThrough = (index: number) =>
  script
    .slice(0, index + 1)
    .flatMap(([, , rejection]) =>
      rejection === undefined ? [] : [{ ...rejection, reasons: rejection.reasons.map(scope.text) }],
    );
/** Long enough for a step run alone to replay the whole scenario before it. */
const REPLAY_TIMEOUT = patience(120_000);
const sentIds = () => sent.map((s) => s.messageId);

beforeAll(async () => {
  t = await openTestStack({ logLevel: 'SILENT' });
  const sqs = t.target.sqs;
  spyQueueUrl =
    (await sqs.send(new CreateQueueCommand({ QueueName: `spy-on-topic-${scope.tag}` }))).QueueUrl ?? '';
  const arn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: spyQueueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.['QueueArn'];
  const sns = new SNSClient(clientOptions(t.stack.config));
  const subscribed = await sns.send(
    new SubscribeCommand({
      TopicArn: t.stack.topicArn,
      Protocol: 'sqs',
      Endpoint: arn,
      Attributes: { RawMessageDelivery: 'true' },
      ReturnSubscriptionArn: true,
    }),
  );
  spySubscription = subscribed.SubscriptionArn;
  sns.destroy();
}, patience(60_000));
afterAll(async () => {
  // leave nothing behind on a shared stack: the spy's subscription and queue go
  const sns = new SNSClient(clientOptions(t.stack.config));
  if (spySubscription !== undefined)
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: spySubscription })).catch(() => undefined);
  sns.destroy();
  await t.target.sqs.send(new DeleteQueueCommand({ QueueUrl: spyQueueUrl })).catch(() => undefined);
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
      expect(await stateOf(t, scope)).toEqual(state);
      expect(await rejectionsOf(t, sentIds())).toEqual(rejectionsThrough(index));
    },
    REPLAY_TIMEOUT,
  );
});

describe('after the whole scenario', () => {
  const passwords = () => passwordsIn(script.map(([file]) => file));

  test(
    'a reader never sees a user group list disagree with the group member lists',
    async () => {
      await sendThrough(script.length - 1);
      const state = await stateOf(t, scope);
      for (const user of state.users)
        for (const group of state.groups)
          expect(user.groups.includes(group.name)).toBe(group.members.includes(user.email));
    },
    REPLAY_TIMEOUT,
  );

  test(
    'no plaintext password in any table item or SNS message body',
    async () => {
      await sendThrough(script.length - 1);
      const secrets = passwords();
      expect(secrets.length).toBeGreaterThanOrEqual(4);
      // Long enough that a random salt or hash cannot contain one by chance.
      for (const secret of secrets) expect(secret.length).toBeGreaterThanOrEqual(8);
      const items = JSON.stringify(await scanAll(t.target.doc, t.stack.names.table));
      const ours = new Set(sentIds());
      // every applied command was published, and the three refused by the cache handler too
      const expected = sent.filter((s) => s.status === 'APPLIED').length + 3;
      const bodies: string[] = [];
      await pollUntil(
        async () => {
          const r = await t.target.sqs.send(
            new ReceiveMessageCommand({ QueueUrl: spyQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
          );
          for (const m of r.Messages ?? []) {
            const body = m.Body ?? '';
            if (ours.has(String((JSON.parse(body) as { commandId?: unknown }).commandId))) bodies.push(body);
          }
          return bodies.length >= expected ? true : undefined;
        },
        { timeoutMs: patience(20_000), what: `${expected} published events on the spy queue` },
      );
      expect(bodies.length).toBe(expected);
      expect(bodies.some((b) => b.includes('"passwordHash":"$argon2id$v=19$m=19456,t=2,p=1$'))).toBe(true);
      for (const secret of secrets) {
        expect(items).not.toContain(secret);
        for (const body of bodies) expect(body).not.toContain(secret);
      }
    },
    REPLAY_TIMEOUT,
  );
});
