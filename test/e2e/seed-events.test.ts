import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../src/domain/ids';
import {
  SEEDS,
  expectedState,
  rejectionsOf,
  seedOrderById,
  sendAndWait,
  startTestStack,
  stateOf,
  type TestStack,
} from '../support/e2e';

const S = expectedState;
type Rejection = { eventType: string | null; reasons: string[] };
type Step = { file: string; state: ReturnType<typeof S>; rejection: Rejection | null };

/**
 * One test per file of a seed set, in order, on a stack of its own. Each test first sends, each
 * waited for, the files before it that were not sent yet, so that one step runs alone (`jest -t`).
 */
const runScript = (set: 'by-name' | 'by-id', steps: Step[]) => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ logLevel: 'SILENT' });
  }, 60_000);
  afterAll(() => t.stack.stop());
  const statuses: string[] = [];
  const sendThrough = async (index: number): Promise<string> => {
    while (statuses.length <= index) {
      const file = steps[statuses.length]?.file ?? '';
      const { outcome } = await sendAndWait(t, readFileSync(join(SEEDS, set, file), 'utf8'));
      statuses.push(outcome.status);
    }
    return statuses[index] ?? '';
  };
  const rejectionsThrough = (index: number): Rejection[] =>
    steps.slice(0, index + 1).flatMap(({ rejection }) => (rejection === null ? [] : [rejection]));
  test.each(steps.map((step, index) => ({ ...step, index })))(
    '$file',
    async ({ index, state, rejection }) => {
      expect(await sendThrough(index)).toBe(rejection === null ? 'APPLIED' : 'REJECTED');
      expect(await stateOf(t)).toEqual(state);
      expect(await rejectionsOf(t)).toEqual(rejectionsThrough(index));
    },
    120_000,
  );
};

describe('by-name seed events (first generation), in the order the original author used them', () => {
  const noGroupNamed: Rejection = {
    eventType: 'GROUP_UPDATED',
    reasons: ['eventData: names no group to rename (name is the new name): give id or currentName'],
  };
  const two = S(
    [],
    [
      ['developers', []],
      ['marketing', []],
    ],
  );
  runScript('by-name', [
    { file: 'GROUP_CREATED.json', state: S([], [['developers', []]]), rejection: null },
    { file: 'GROUP_CREATED2.json', state: two, rejection: null },
    {
      file: 'USER_CREATED.json',
      state: two,
      rejection: { eventType: 'USER_CREATED', reasons: ['groups: unknown groups: "111", "222"'] },
    },
    {
      file: 'USER_UPDATED.json',
      state: two,
      rejection: { eventType: 'USER_UPDATED', reasons: ['user: unknown user: "ze@wow.com"'] },
    },
    { file: 'GROUP_UPDATED.json', state: two, rejection: noGroupNamed },
    { file: 'GROUP_UPDATED2.json', state: two, rejection: noGroupNamed },
    {
      file: 'USER_DELETED.json',
      state: two,
      rejection: { eventType: 'USER_DELETED', reasons: ['user: unknown user: "ze@wow.com"'] },
    },
    { file: 'GROUP_DELETED.json', state: S([], [['developers', []]]), rejection: null },
    { file: 'GROUP_DELETED2.json', state: S([], []), rejection: null },
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
  const id = (s: string) => `"group ${s}"`;
  const groups4 = (devMembers: string[], adm: string[] = [], rh = 'Humam Resorces') =>
    [
      ['Administrators', adm],
      ['Developers', devMembers],
      [rh, []],
      ['No Users', []],
    ] as [string, string[]][];
  const expected: Record<string, Omit<Step, 'file'>> = {
    'GROUP_CREATED_ADM.json': { state: S([], [['Administrators', []]]), rejection: null },
    'GROUP_CREATED_RH.json': {
      state: S(
        [],
        [
          ['Administrators', []],
          ['Humam Resorces', []],
        ],
      ),
      rejection: null,
    },
    'USER_CREATED_ANA.json': {
      state: S(
        [],
        [
          ['Administrators', []],
          ['Humam Resorces', []],
        ],
      ),
      rejection: {
        eventType: 'USER_CREATED',
        reasons: [
          `groups: unknown groups: ${id(sha256Hex('developers'))}, ${id('e2a530e251d3675034d23f5c5f87f54ec3182a088ba7d13350824794f8e6b76e')}`,
        ],
      },
    },
    'GROUP_CREATED_DEV.json': {
      state: S(
        [],
        [
          ['Administrators', []],
          ['Developers', []],
          ['Humam Resorces', []],
        ],
      ),
      rejection: null,
    },
    'GROUP_CREATED_NO_USERS.json': { state: S([], groups4([])), rejection: null },
    'USER_CREATED_RODOLFO.json': {
      state: S([[RODOLFO, 'Rodolfo Souza', ['Developers']]], groups4([RODOLFO])),
      rejection: null,
    },
    'GROUP_DELETED_NO_USERS.json': {
      state: S([[RODOLFO, 'Rodolfo Souza', ['Developers']]], groups4([RODOLFO])),
      rejection: {
        eventType: 'GROUP_DELETED',
        reasons: [`group: unknown group: ${id(sha256Hex('developers'))}`],
      },
    },
    'GROUP_UPDATED_RH.json': {
      state: S([[RODOLFO, 'Rodolfo Souza', ['Developers']]], groups4([RODOLFO], [], 'Human Resorces')),
      rejection: null,
    },
    'USER_UPDATED_RODOLFO.json': {
      state: S(
        [[RODOLFO2, 'Rodolfo Bernardes Souza', ['Administrators', 'Developers']]],
        groups4([RODOLFO2], [RODOLFO2], 'Human Resorces'),
      ),
      rejection: null,
    },
    'USER_DELETED_RODOLFO.json': { state: S([], groups4([], [], 'Human Resorces')), rejection: null },
    'USER_DELETED.json': {
      state: S([], groups4([], [], 'Human Resorces')),
      rejection: {
        eventType: 'USER_DELETED',
        reasons: [
          "eventData.id: must be a user id: 64 hexadecimal characters (sha256 of the email), optionally prefixed 'USER|'",
        ],
      },
    },
    'GROUP_DELETED.json': {
      state: S([], groups4([], [], 'Human Resorces')),
      rejection: {
        eventType: 'GROUP_DELETED',
        reasons: [
          "eventData.id: must be a group id: 64 hexadecimal characters (sha256 of the name), optionally prefixed 'GROUP|'",
        ],
      },
    },
    'GROUP_UPDATED_DEV.json': {
      state: S(
        [],
        [
          ['Administrators', []],
          ['Developers 2.0', []],
          ['Human Resorces', []],
          ['No Users', []],
        ],
      ),
      rejection: null,
    },
  };
  runScript(
    'by-id',
    order.files.map((file) => {
      const step = expected[file];
      if (step === undefined) throw new Error(`no expectation for ${file}`);
      return { file, ...step };
    }),
  );
});
