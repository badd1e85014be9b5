import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/Either';
import { decodeCommand, parseJson } from '../../../src/domain/commands';
import { formatReason } from '../../../src/domain/reasons';
import { sha256Hex } from '../../../src/domain/ids';

const SEED = join(__dirname, '../../fixtures/seed-events');
const decodeFile = (set: string, file: string) => {
  const parsed = parseJson(readFileSync(join(SEED, set, file), 'utf8'));
  return E.isLeft(parsed) ? parsed : decodeCommand(parsed.right);
};
const reasonsOf = (set: string, file: string): string[] => {
  const result = decodeFile(set, file);
  if (E.isRight(result)) throw new Error(`${file} was accepted`);
  return result.left.map(formatReason);
};
const accepted = (set: string, file: string) => {
  const result = decodeFile(set, file);
  if (E.isLeft(result)) throw new Error(`${file} was rejected: ${result.left.map(formatReason).join('; ')}`);
  return result.right;
};
const group = (name: string) => ({ id: sha256Hex(name), label: name });
const groupById = (id: string) => ({ id, label: `group ${id}` });

describe('by-name seed events (entities named by email or name)', () => {
  test.each([
    ['GROUP_CREATED.json', { type: 'GROUP_CREATED', name: 'developers' }],
    ['GROUP_CREATED2.json', { type: 'GROUP_CREATED', name: 'marketing' }],
    ['GROUP_DELETED.json', { type: 'GROUP_DELETED', group: group('marketing') }],
    ['GROUP_DELETED2.json', { type: 'GROUP_DELETED', group: group('developers') }],
    [
      'USER_CREATED.json',
      {
        type: 'USER_CREATED',
        name: 'joazinho',
        email: 'abc@wow.com',
        password: 'xpto',
        groups: [group('111'), group('222')],
      },
    ],
    [
      'USER_UPDATED.json',
      {
        type: 'USER_UPDATED',
        user: { id: sha256Hex('ze@wow.com'), label: 'ze@wow.com' },
        name: 'zezinho',
        password: 'abcd',
        groups: [group('333'), group('444')],
      },
    ],
    [
      'USER_DELETED.json',
      { type: 'USER_DELETED', user: { id: sha256Hex('ze@wow.com'), label: 'ze@wow.com' } },
    ],
  ])('%s is accepted as the expected command', (file, expected) => {
    expect(accepted('by-name', file)).toEqual(expected);
  });

  test.each(['GROUP_UPDATED.json', 'GROUP_UPDATED2.json'])(
    '%s (only the new name, no group named) is rejected',
    (file) => {
      expect(reasonsOf('by-name', file)).toEqual([
        'eventData: names no group to rename (name is the new name): give id or currentName',
      ]);
    },
  );
});

describe('by-id seed events (entities named by sha256 ids)', () => {
  test.each([
    ['GROUP_CREATED_ADM.json', { type: 'GROUP_CREATED', name: 'Administrators' }],
    ['GROUP_CREATED_DEV.json', { type: 'GROUP_CREATED', name: 'Developers' }],
    ['GROUP_CREATED_NO_USERS.json', { type: 'GROUP_CREATED', name: 'No Users' }],
    ['GROUP_CREATED_RH.json', { type: 'GROUP_CREATED', name: 'Humam Resorces' }],
    [
      'GROUP_DELETED_NO_USERS.json',
      {
        type: 'GROUP_DELETED',
        group: groupById('ee0b1e6ad69be79bbad963014bc6324d4ddfd03f05c4c5c3c4de292b03a089bb'),
      },
    ],
    [
      'GROUP_UPDATED_DEV.json',
      { type: 'GROUP_UPDATED', group: groupById(sha256Hex('Developers')), name: 'Developers 2.0' },
    ],
    [
      'GROUP_UPDATED_RH.json',
      { type: 'GROUP_UPDATED', group: groupById(sha256Hex('Humam Resorces')), name: 'Human Resorces' },
    ],
    [
      'USER_CREATED_ANA.json',
      {
        type: 'USER_CREATED',
        name: 'Ana Paula',
        email: 'ana.paula@wg.com',
        password: 'hardpass',
        groups: [
          groupById('ee0b1e6ad69be79bbad963014bc6324d4ddfd03f05c4c5c3c4de292b03a089bb'),
          groupById('e2a530e251d3675034d23f5c5f87f54ec3182a088ba7d13350824794f8e6b76e'),
        ],
      },
    ],
    [
      'USER_CREATED_RODOLFO.json',
      {
        type: 'USER_CREATED',
        name: 'Rodolfo Souza',
        email: 'rodolfo.b2@gmail.com',
        password: '123456',
        groups: [groupById(sha256Hex('Developers'))],
      },
    ],
    [
      'USER_UPDATED_RODOLFO.json',
      {
        type: 'USER_UPDATED',
        user: { id: sha256Hex('rodolfo.b2@gmail.com'), label: `user ${sha256Hex('rodolfo.b2@gmail.com')}` },
        name: 'Rodolfo Bernardes Souza',
        email: 'rodolfo.souza@watchguard.com',
        password: 'newpass',
        groups: [groupById(sha256Hex('Developers')), groupById(sha256Hex('Administrators'))],
      },
    ],
    [
      'USER_DELETED_RODOLFO.json',
      {
        type: 'USER_DELETED',
        user: {
          id: sha256Hex('rodolfo.souza@watchguard.com'),
          label: `user ${sha256Hex('rodolfo.souza@watchguard.com')}`,
        },
      },
    ],
  ])('%s is accepted as the expected command', (file, expected) => {
    expect(accepted('by-id', file)).toEqual(expected);
  });

  test('GROUP_DELETED.json (id " ") is rejected with a reason naming the id', () => {
    expect(reasonsOf('by-id', 'GROUP_DELETED.json')).toEqual([
      "eventData.id: must be a group id: 64 hexadecimal characters (sha256 of the name), optionally prefixed 'GROUP|'",
    ]);
  });

  test('USER_DELETED.json (id " ") is rejected with a reason naming the id', () => {
    expect(reasonsOf('by-id', 'USER_DELETED.json')).toEqual([
      "eventData.id: must be a user id: 64 hexadecimal characters (sha256 of the email), optionally prefixed 'USER|'",
    ]);
  });
});
