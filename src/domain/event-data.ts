/** The eventData of each event type: its strict codec and its normalization into a command. */
import * as A from 'fp-ts/Array';
import * as E from 'fp-ts/Either';
import { sequenceS } from 'fp-ts/Apply';
import { pipe } from 'fp-ts/function';
import * as NEA from 'fp-ts/NonEmptyArray';
import * as t from 'io-ts';
import { decodeWith, strictObject } from './codecs';
import type { Command, EventType } from './command-types';
import {
  checkPassword,
  groupIdRef,
  groupListItem,
  groupNameRef,
  MAX_GROUPS_PER_USER,
  normalizeEmail,
  normalizeGroupName,
  normalizeName,
  userEmailRef,
  userIdRef,
  type GroupRef,
  type UserRef,
} from './fields';
import { fail, type Reason, type Validation } from './reasons';

const V = E.getApplicativeValidation(NEA.getSemigroup<Reason>());
const all = sequenceS(V);

const optional = <X, Y>(value: X | undefined, f: (x: X) => Validation<Y>): Validation<Y | undefined> =>
  value === undefined ? E.right(undefined) : f(value);

/** Keeps only the defined fields of an object, so optional fields are absent rather than undefined. */
const defined = <O extends Record<string, unknown>>(o: O): O =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as O;

const groupsCodec = t.array(t.string);

const eventDataCodecs = {
  GROUP_CREATED: strictObject('GROUP_CREATED', { name: t.string }, {}),
  GROUP_UPDATED: strictObject('GROUP_UPDATED', { name: t.string }, { id: t.string, currentName: t.string }),
  GROUP_DELETED: strictObject('GROUP_DELETED', {}, { id: t.string, name: t.string }),
  USER_CREATED: strictObject(
    'USER_CREATED',
    { name: t.string, email: t.string, password: t.string },
    { groups: groupsCodec },
  ),
  USER_UPDATED: strictObject(
    'USER_UPDATED',
    {},
    {
      id: t.string,
      email: t.string,
      newEmail: t.string,
      name: t.string,
      password: t.string,
      groups: groupsCodec,
    },
  ),
  USER_DELETED: strictObject('USER_DELETED', {}, { id: t.string, email: t.string }),
} as const;

const tooManyGroups = (count: number): Validation<readonly GroupRef[]> =>
  fail('eventData.groups', `a user may belong to at most ${MAX_GROUPS_PER_USER} groups (got ${count})`);

/** The groups of a user: refused by length before any item is read, then deduplicated by id. */
const groupList = (raw: readonly string[]): Validation<readonly GroupRef[]> =>
  raw.length > MAX_GROUPS_PER_USER
    ? tooManyGroups(raw.length)
    : pipe(
        raw.map((item, i) => groupListItem(`eventData.groups[${i}]`, item)),
        A.sequence(V),
        E.map((refs) => refs.filter((ref, i) => refs.findIndex((r) => r.id === ref.id) === i)),
      );

const exactlyOne = <X>(
  options: Record<string, X | undefined>,
  what: string,
): Validation<{ key: string; value: X }> => {
  const given = Object.entries(options).filter(([, v]) => v !== undefined) as [string, X][];
  const names = Object.keys(options);
  const [first] = given;
  if (given.length > 1)
    return fail('eventData', `give either ${names.join(' or ')} to name the ${what}, not both`);
  if (first === undefined) return fail('eventData', `names no ${what}: give ${names.join(' or ')}`);
  return E.right({ key: first[0], value: first[1] });
};

const normalizers: {
  [K in EventType]: (data: t.TypeOf<(typeof eventDataCodecs)[K]>) => Validation<Command>;
} = {
  GROUP_CREATED: (d) =>
    E.map((name: string) => ({ type: 'GROUP_CREATED' as const, name }))(
      normalizeGroupName('eventData.name', d.name),
    ),
  GROUP_UPDATED: (d) =>
    pipe(
      exactlyOne({ id: d.id, currentName: d.currentName }, 'group to rename (name is the new name)'),
      E.chain(({ key, value }) =>
        all({
          group:
            key === 'id' ? groupIdRef('eventData.id', value) : groupNameRef('eventData.currentName', value),
          name: normalizeGroupName('eventData.name', d.name),
        }),
      ),
      E.map(({ group, name }) => ({ type: 'GROUP_UPDATED' as const, group, name })),
    ),
  GROUP_DELETED: (d) =>
    pipe(
      exactlyOne({ id: d.id, name: d.name }, 'group'),
      E.chain(({ key, value }) =>
        key === 'id' ? groupIdRef('eventData.id', value) : groupNameRef('eventData.name', value),
      ),
      E.map((group) => ({ type: 'GROUP_DELETED' as const, group })),
    ),
  USER_CREATED: (d) =>
    pipe(
      all({
        name: normalizeName('eventData.name', d.name),
        email: normalizeEmail('eventData.email', d.email),
        password: checkPassword('eventData.password', d.password),
        groups: groupList(d.groups ?? []),
      }),
      E.map((fields) => ({ type: 'USER_CREATED' as const, ...fields })),
    ),
  USER_UPDATED: (d) => {
    const byId = d.id !== undefined;
    const newEmailRaw = byId ? d.email : d.newEmail;
    const newEmailPath = byId ? 'eventData.email' : 'eventData.newEmail';
    const shape: Validation<UserRef> = byId
      ? d.newEmail !== undefined
        ? fail(
            'eventData.newEmail',
            'not allowed with id: when the user is named by id, email is the new email',
          )
        : userIdRef('eventData.id', d.id ?? '')
      : d.email === undefined
        ? fail('eventData', 'names no user: give id (the user id) or email (its current email)')
        : userEmailRef('eventData.email', d.email);
    const changes =
      d.name !== undefined || newEmailRaw !== undefined || d.password !== undefined || d.groups !== undefined;
    return pipe(
      all({
        user: shape,
        name: optional(d.name, (n) => normalizeName('eventData.name', n)),
        email: optional(newEmailRaw, (e) => normalizeEmail(newEmailPath, e)),
        password: optional(d.password, (p) => checkPassword('eventData.password', p)),
        groups: optional(d.groups, groupList),
        changes: changes
          ? E.right(true)
          : fail<boolean>(
              'eventData',
              `changes nothing: give at least one of name, ${newEmailPath.slice(10)}, password, groups`,
            ),
      }),
      E.map(
        ({ changes: _changes, ...fields }) =>
          defined({ type: 'USER_UPDATED' as const, ...fields }) as Command,
      ),
    );
  },
  USER_DELETED: (d) =>
    pipe(
      exactlyOne({ id: d.id, email: d.email }, 'user'),
      E.chain(({ key, value }) =>
        key === 'id' ? userIdRef('eventData.id', value) : userEmailRef('eventData.email', value),
      ),
      E.map((user) => ({ type: 'USER_DELETED' as const, user })),
    ),
};

/** Decodes and normalizes the eventData of a known event type, with every reason it is refused. */
export const decodeEventData = <K extends EventType>(eventType: K, data: unknown): Validation<Command> => {
  const codec = eventDataCodecs[eventType] as t.Type<
    t.TypeOf<(typeof eventDataCodecs)[K]>,
    unknown,
    unknown
  > & {
    readonly allowed: readonly string[];
  };
  const decoded = decodeWith(codec, 'eventData')(data);
  if (E.isRight(decoded)) return normalizers[eventType](decoded.right);
  // Unknown fields are reported, and the known ones are still checked, so one answer lists every reason.
  const record = data as Record<string, unknown>;
  const known = Object.fromEntries(Object.entries(record).filter(([k]) => codec.allowed.includes(k)));
  const rest = pipe(decodeWith(codec, 'eventData')(known), E.chain(normalizers[eventType]));
  return E.isLeft(rest) && rest.left.some((r) => !decoded.left.some((d) => d.path === r.path))
    ? E.left(
        NEA.concat(
          decoded.left,
          rest.left.filter((r) => !decoded.left.some((d) => d.path === r.path)),
        ),
      )
    : decoded;
};
