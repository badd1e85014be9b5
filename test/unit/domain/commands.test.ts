import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { decodeCommand, parseJson } from '../../../src/domain/commands';
import { MAX_GROUPS_PER_USER } from '../../../src/domain/fields';
import { formatReason } from '../../../src/domain/reasons';
import { sha256Hex } from '../../../src/domain/ids';

const reasons = (u: unknown): string[] => {
  const r = decodeCommand(u);
  if (E.isRight(r)) throw new Error(`accepted: ${JSON.stringify(r.right)}`);
  return r.left.map(formatReason);
};
const ok = (u: unknown) => {
  const r = decodeCommand(u);
  if (E.isLeft(r)) throw new Error(r.left.map(formatReason).join('; '));
  return r.right;
};
const user = (eventData: unknown, eventType = 'USER_CREATED') => ({
  entityType: 'USER',
  eventType,
  eventData,
});
const group = (eventData: unknown, eventType = 'GROUP_CREATED') => ({
  entityType: 'GROUP',
  eventType,
  eventData,
});

describe('envelope', () => {
  test.each([null, 42, 'text', [], true])('a top-level %p is rejected', (u) => {
    expect(reasons(u)).toEqual([expect.stringMatching(/^must be a JSON object, got /)]);
  });

  test('broken JSON is rejected without echoing the body', () => {
    const r = parseJson('{"password": "hunter2"');
    expect(E.isLeft(r) && r.left.map(formatReason)).toEqual([
      expect.stringMatching(/^body: is not valid JSON/),
    ]);
    expect(JSON.stringify(r)).not.toContain('hunter2');
  });

  test('missing and unknown top-level fields are each named', () => {
    expect(reasons({ entityType: 'USER', eventData: {}, extra: 1 })).toEqual([
      'extra: unknown field (allowed fields: entityType, eventType, eventData)',
      'eventType: is required',
    ]);
  });

  test('entityType and eventType must agree', () => {
    expect(reasons({ entityType: 'USER', eventType: 'GROUP_CREATED', eventData: { name: 'x' } })).toEqual([
      'eventType: GROUP_CREATED does not belong to entityType USER (entityType and eventType disagree)',
    ]);
  });

  test('unknown kinds are listed', () => {
    expect(reasons({ entityType: 'ROBOT', eventType: 'USER_RENAMED', eventData: {} })).toEqual([
      'entityType: must be one of GROUP, USER, got "ROBOT"',
      'eventType: must be one of GROUP_CREATED, GROUP_UPDATED, GROUP_DELETED, USER_CREATED, USER_UPDATED, USER_DELETED, got "USER_RENAMED"',
    ]);
  });
});

describe('user commands', () => {
  const base = { name: 'Ana', email: 'ana@example.com', password: 'pw', groups: [] };

  test('a typo such as E-mail is rejected by name, with a hint', () => {
    const { email: _email, ...rest } = base;
    expect(reasons(user({ ...rest, 'E-mail': 'ana@example.com' }))).toEqual([
      "eventData.E-mail: unknown field (did you mean 'email'?)",
      'eventData.email: is required',
    ]);
  });

  test('an unknown field does not hide the reasons of the known ones', () => {
    expect(reasons(user({ ...base, email: 'nope', Email: 'x@y.io' }))).toEqual([
      "eventData.Email: unknown field (did you mean 'email'?)",
      'eventData.email: is not an email address (expected local@domain)',
    ]);
  });

  test('every field reason is reported at once, without the password', () => {
    const out = reasons(user({ name: ' ', email: 'not-an-email', password: '', groups: ['ok', 7] }));
    expect(out).toEqual(['eventData.groups[1]: must be a string, got a number']);
    expect(reasons(user({ name: ' ', email: 'not-an-email', password: '', groups: ['ok'] }))).toEqual([
      'eventData.name: must not be empty or only white space',
      'eventData.email: is not an email address (expected local@domain)',
      'eventData.password: must not be empty',
    ]);
  });

  test('emails are trimmed and lowercased; names trimmed and NFC', () => {
    const c = ok(user({ ...base, name: '  Jose\u0301 ', email: ' Ana@Example.COM ' }));
    expect(c).toMatchObject({ name: 'Jos\u00e9', email: 'ana@example.com' });
  });

  test.each([
    ['a@b', 'the domain after @ is not a valid domain name (e.g. example.com)'],
    ['a..b@example.com', 'the part before @ has a character or dot placement an email address cannot have'],
    ['a@-x.com', 'the domain after @ is not a valid domain name (e.g. example.com)'],
    [`${'a'.repeat(65)}@example.com`, 'the part before @ must be at most 64 characters'],
    [`a@${'b'.repeat(250)}.com`, 'must be at most 254 characters (got 256)'],
  ])('email %s is rejected', (email, message) => {
    expect(reasons(user({ ...base, email }))).toEqual([`eventData.email: ${message}`]);
  });

  test('names: length and control characters', () => {
    expect(reasons(user({ ...base, name: 'x'.repeat(129) }))).toEqual([
      'eventData.name: must be at most 128 characters (got 129)',
    ]);
    expect(reasons(user({ ...base, name: 'a\u0007b' }))).toEqual([
      'eventData.name: must not contain control characters',
    ]);
  });

  test('password is 1 to 1024 UTF-8 bytes', () => {
    expect(ok(user({ ...base, password: 'é'.repeat(512) }))).toMatchObject({ type: 'USER_CREATED' });
    expect(reasons(user({ ...base, password: 'é'.repeat(513) }))).toEqual([
      'eventData.password: must be at most 1024 bytes in UTF-8 (got 1026)',
    ]);
  });

  test('groups: ids (with or without GROUP|) and names, deduplicated by id', () => {
    const id = sha256Hex('Dev');
    const c = ok(user({ ...base, groups: ['Dev', `GROUP|${id.toUpperCase()}`, id, 'Ops'] }));
    expect(c).toMatchObject({
      groups: [
        { id, label: 'Dev' },
        { id: sha256Hex('Ops'), label: 'Ops' },
      ],
    });
  });

  test(`at most ${MAX_GROUPS_PER_USER} groups`, () => {
    const groups = Array.from({ length: MAX_GROUPS_PER_USER + 1 }, (_, i) => `g${i}`);
    expect(reasons(user({ ...base, groups }))).toEqual([
      `eventData.groups: a user may belong to at most ${MAX_GROUPS_PER_USER} groups (got ${MAX_GROUPS_PER_USER + 1})`,
    ]);
  });

  test('USER_UPDATED by id: email is the new email; newEmail is refused', () => {
    const id = sha256Hex('ana@example.com');
    expect(ok(user({ id: `USER|${id}`, email: 'new@example.com' }, 'USER_UPDATED'))).toEqual({
      type: 'USER_UPDATED',
      user: { id, label: `user ${id}` },
      email: 'new@example.com',
    });
    expect(reasons(user({ id, newEmail: 'x@example.com' }, 'USER_UPDATED'))).toEqual([
      'eventData.newEmail: not allowed with id: when the user is named by id, email is the new email',
      'eventData: changes nothing: give at least one of name, email, password, groups',
    ]);
  });

  test('USER_UPDATED by email: newEmail is the new email', () => {
    expect(ok(user({ email: 'Ana@example.com', newEmail: 'b@example.com' }, 'USER_UPDATED'))).toEqual({
      type: 'USER_UPDATED',
      user: { id: sha256Hex('ana@example.com'), label: 'ana@example.com' },
      email: 'b@example.com',
    });
    expect(reasons(user({ name: 'x' }, 'USER_UPDATED'))).toEqual([
      'eventData: names no user: give id (the user id) or email (its current email)',
    ]);
  });

  test('USER_DELETED needs exactly one of id and email', () => {
    expect(reasons(user({}, 'USER_DELETED'))).toEqual(['eventData: names no user: give id or email']);
    expect(reasons(user({ id: sha256Hex('a@b.co'), email: 'a@b.co' }, 'USER_DELETED'))).toEqual([
      'eventData: give either id or email to name the user, not both',
    ]);
  });
});

describe('group commands', () => {
  test('GROUP_UPDATED by currentName', () => {
    expect(ok(group({ currentName: 'Old', name: 'New' }, 'GROUP_UPDATED'))).toEqual({
      type: 'GROUP_UPDATED',
      group: { id: sha256Hex('Old'), label: 'Old' },
      name: 'New',
    });
  });

  test('a group name cannot look like an id', () => {
    expect(reasons(group({ name: 'a'.repeat(64) }))).toEqual([
      'eventData.name: a group name must not look like an id (64 hexadecimal characters)',
    ]);
  });

  test('GROUP_DELETED by name', () => {
    expect(ok(group({ name: ' Ops ' }, 'GROUP_DELETED'))).toEqual({
      type: 'GROUP_DELETED',
      group: { id: sha256Hex('Ops'), label: 'Ops' },
    });
  });
});

describe('properties', () => {
  test('decoding never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (u) => {
        decodeCommand(u);
      }),
      { numRuns: 2000 },
    );
  });

  test('decoding never throws on arbitrary envelopes of known types', () => {
    const envelope = fc.record({
      entityType: fc.constantFrom('USER', 'GROUP', 'X'),
      eventType: fc.constantFrom(
        'USER_CREATED',
        'USER_UPDATED',
        'USER_DELETED',
        'GROUP_CREATED',
        'GROUP_UPDATED',
        'GROUP_DELETED',
      ),
      eventData: fc.dictionary(
        fc.constantFrom('id', 'name', 'email', 'newEmail', 'password', 'groups', 'currentName', 'other'),
        fc.oneof(fc.string(), fc.array(fc.string()), fc.jsonValue()),
      ),
    });
    fc.assert(
      fc.property(envelope, (u) => {
        decodeCommand(u);
      }),
      { numRuns: 2000 },
    );
  });

  test('parsing never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string(), (s) => void parseJson(s)));
  });
});
