import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { groupIdOf } from '../../src/domain/ids';
import {
  SEEDS,
  expectedState,
  openTestStack,
  patience,
  rejectionsOf,
  seedOrderById,
  sendAndWait,
  stateOf,
  type StackUnderTest,
  type TestStack,
} from '../support/e2e';
import { makeScope, type Scope } from '../support/scope';

// Target-agnostic: runs on a private embedded stack, or on the stack E2E_ENDPOINT names. Each seed
// set lives in a namespace of its own: its files are rewritten with scope.text before they are sent
// (names, the sha256 ids of listed names and emails, the emails themselves follow consistently, so an
// id of a listed name still names that group and an id of a name never created stays unknown), and
// the state and the rejections are read for that namespace and this run's commands only.

type Rejection = { eventType: string | null; reasons: string[] };
type Users = [email: string, name: string, groups: string[]][];
type Groups = [name: string, members: string[]][];
/** A step's expectation, as the author's files spell names and emails (mapped into the namespace when checked). */
type Expected = { users: Users; groups: Groups; rejection: Rejection | null };
type Step = Expected & { file: string };

/** The expected state of a set, in its namespace. */
const stateIn = (scope: Scope, users: Users, groups: Groups) =>
  expectedState(
    users.map(([email, name, g]) => [scope.email(email), name, g.map(scope.name)]),
    groups.map(([name, members]) => [scope.name(name), members.map(scope.email)]),
  );

/**
 * One test per file of a seed set, in order, in the set's namespace. Each test first sends, each
 * waited for, the files before it that were not sent yet, so that one step runs alone (`jest -t`).
 */
const runScript = (set: 'by-name' | 'by-id', scope: Scope, steps: Step[]) => {
  let t: TestStack<StackUnderTest>;
  beforeAll(async () => {
    t = await openTestStack({ logLevel: 'SILENT' });
  }, patience(60_000));
  afterAll(() => t.stack.stop());
  const statuses: string[] = [];
  const sent: string[] = [];
  const sendThrough = async (index: number): Promise<string> => {
    while (statuses.length <= index) {
      const file = steps[statuses.length]?.file ?? '';
      const body = scope.text(readFileSync(join(SEEDS, set, file), 'utf8'));
      const { messageId, outcome } = await sendAndWait(t, body);
      sent.push(messageId);
      statuses.push(outcome.status);
    }
    return statuses[index] ?? '';
  };
  const rejectionsThrough = (index: number): Rejection[] =>
    steps
      .slice(0, index + 1)
      .flatMap(({ rejection }) =>
        rejection === null
          ? []
          : [{ eventType: rejection.eventType, reasons: rejection.reasons.map(scope.text) }],
      );
  test.each(steps.map((step, index) => ({ ...step, index })))(
    '$file',
    async ({ index, users, groups, rejection }) => {
      expect(await sendThrough(index)).toBe(rejection === null ? 'APPLIED' : 'REJECTED');
      expect(await stateOf(t, scope)).toEqual(stateIn(scope, users, groups));
      expect(await rejectionsOf(t, sent)).toEqual(rejectionsThrough(index));
    },
    patience(120_000),
  );
};

describe('by-name seed events (first generation), in the order the original author used them', () => {
  // "111" to "444" are group names no file creates: in the namespace they stay unknown
  const scope = makeScope(
    ['developers', 'marketing', '111', '222', '333', '444'],
    ['abc@wow.com', 'ze@wow.com'],
  );
  const noGroupNamed: Rejection = {
    eventType: 'GROUP_UPDATED',
    reasons: ['eventData: names no group to rename (name is the new name): give id or currentName'],
  };
  const unknownZe: Rejection = { eventType: 'USER_DELETED', reasons: ['user: unknown user: "ze@wow.com"'] };
  const two: Groups = [
    ['developers', []],
    ['marketing', []],
  ];
  runScript('by-name', scope, [
    { file: 'GROUP_CREATED.json', users: [], groups: [['developers', []]], rejection: null },
    { file: 'GROUP_CREATED2.json', users: [], groups: two, rejection: null },
    {
      file: 'USER_CREATED.json',
      users: [],
      groups: two,
      rejection: { eventType: 'USER_CREATED', reasons: ['groups: unknown groups: "111", "222"'] },
    },
    {
      file: 'USER_UPDATED.json',
      users: [],
      groups: two,
      rejection: { ...unknownZe, eventType: 'USER_UPDATED' },
    },
    { file: 'GROUP_UPDATED.json', users: [], groups: two, rejection: noGroupNamed },
    { file: 'GROUP_UPDATED2.json', users: [], groups: two, rejection: noGroupNamed },
    { file: 'USER_DELETED.json', users: [], groups: two, rejection: unknownZe },
    { file: 'GROUP_DELETED.json', users: [], groups: [['developers', []]], rejection: null },
    { file: 'GROUP_DELETED2.json', users: [], groups: [], rejection: null },
  ]);
});

describe('by-id seed events (later generation), in the order of Amazon-CLI-commands.txt', () => {
  const order = seedOrderById();
  test('the CLI-commands file names one file the set does not have; one file is not listed and goes last', () => {
    expect(order.missing).toEqual(['GROUP_DELETED_DEVS.json']);
    expect(order.files.at(-1)).toBe('GROUP_UPDATED_DEV.json');
  });
  const RODOLFO = 'rodolfo.b2@gmail.com';
  const RODOLFO2 = 'rodolfo.souza@watchguard.com';
  // The files name groups by the sha256 of their names: those of "Developers", "Administrators" and
  // "Humam Resorces" name groups the set creates; those of "developers" and "marketing" (lower case)
  // name groups it never creates. All of them are listed, so that each id follows its name into the
  // namespace: the first stay ids of the set's groups, the others stay unknown (even on a shared table
  // where someone created a plain "developers").
  const scope = makeScope(
    [
      'Administrators',
      'Humam Resorces',
      'Human Resorces',
      'Developers',
      'Developers 2.0',
      'No Users',
      'developers',
      'marketing',
    ],
    ['ana.paula@wg.com', RODOLFO, RODOLFO2],
  );
  /** A group reference by id as a reason quotes it, with the file's raw id (scope.text rewrites it). */
  const id = (name: string) => `"group ${groupIdOf(name)}"`;
  const groups4 = (devMembers: string[], adm: string[] = [], rh = 'Humam Resorces'): Groups => [
    ['Administrators', adm],
    ['Developers', devMembers],
    [rh, []],
    ['No Users', []],
  ];
  const rodolfo: Users = [[RODOLFO, 'Rodolfo Souza', ['Developers']]];
  const twoGroups: Groups = [
    ['Administrators', []],
    ['Humam Resorces', []],
  ];
  const expected: Record<string, Expected> = {
    'GROUP_CREATED_ADM.json': { users: [], groups: [['Administrators', []]], rejection: null },
    'GROUP_CREATED_RH.json': { users: [], groups: twoGroups, rejection: null },
    'USER_CREATED_ANA.json': {
      users: [],
      groups: twoGroups,
      rejection: {
        eventType: 'USER_CREATED',
        reasons: [`groups: unknown groups: ${id('developers')}, ${id('marketing')}`],
      },
    },
    'GROUP_CREATED_DEV.json': {
      users: [],
      groups: [
        ['Administrators', []],
        ['Developers', []],
        ['Humam Resorces', []],
      ],
      rejection: null,
    },
    'GROUP_CREATED_NO_USERS.json': { users: [], groups: groups4([]), rejection: null },
    'USER_CREATED_RODOLFO.json': { users: rodolfo, groups: groups4([RODOLFO]), rejection: null },
    'GROUP_DELETED_NO_USERS.json': {
      users: rodolfo,
      groups: groups4([RODOLFO]),
      rejection: { eventType: 'GROUP_DELETED', reasons: [`group: unknown group: ${id('developers')}`] },
    },
    'GROUP_UPDATED_RH.json': {
      users: rodolfo,
      groups: groups4([RODOLFO], [], 'Human Resorces'),
      rejection: null,
    },
    'USER_UPDATED_RODOLFO.json': {
      users: [[RODOLFO2, 'Rodolfo Bernardes Souza', ['Administrators', 'Developers']]],
      groups: groups4([RODOLFO2], [RODOLFO2], 'Human Resorces'),
      rejection: null,
    },
    'USER_DELETED_RODOLFO.json': { users: [], groups: groups4([], [], 'Human Resorces'), rejection: null },
    'USER_DELETED.json': {
      users: [],
      groups: groups4([], [], 'Human Resorces'),
      rejection: {
        eventType: 'USER_DELETED',
        reasons: [
          "eventData.id: must be a user id: 64 hexadecimal characters (sha256 of the email), optionally prefixed 'USER|'",
        ],
      },
    },
    'GROUP_DELETED.json': {
      users: [],
      groups: groups4([], [], 'Human Resorces'),
      rejection: {
        eventType: 'GROUP_DELETED',
        reasons: [
          "eventData.id: must be a group id: 64 hexadecimal characters (sha256 of the name), optionally prefixed 'GROUP|'",
        ],
      },
    },
    'GROUP_UPDATED_DEV.json': {
      users: [],
      groups: [
        ['Administrators', []],
        ['Developers 2.0', []],
        ['Human Resorces', []],
        ['No Users', []],
      ],
      rejection: null,
    },
  };
  runScript(
    'by-id',
    scope,
    order.files.map((file) => {
      const step = expected[file];
      if (step === undefined) throw new Error(`no expectation for ${file}`);
      return { file, ...step };
    }),
  );
});
