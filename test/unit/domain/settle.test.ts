import * as E from 'fp-ts/Either';
import { applyCommand, settleWindow, type Outcome } from '../../../src/domain/apply';
import type { HashedCommand } from '../../../src/domain/commands';
import { keys } from '../../../src/domain/model';
import { HASH, emailClaim, eventOf, groupRef, userRecord } from '../../support/builders';
import { FakeDirectoryStore } from '../../support/fakes';

const SENT = Date.parse('2026-11-30T00:00:00.000Z');

describe('settleWindow', () => {
  const at = (msAfterSend: number) => settleWindow(10, 1, () => SENT + msAfterSend);
  test('gives the next try (at least 1 s, at most every 1 s) while the window is open, nothing after', () => {
    const sentAt = new Date(SENT).toISOString();
    expect(at(0)(sentAt)).toBe(1);
    expect(at(9_500)(sentAt)).toBe(1);
    expect(at(10_000)(sentAt)).toBeUndefined();
    expect(at(60_000)(sentAt)).toBeUndefined();
  });
  test('retries at most every `everySeconds`, and never past the end of the window', () => {
    const sentAt = new Date(SENT).toISOString();
    expect(settleWindow(10, 4, () => SENT)(sentAt)).toBe(4);
    expect(settleWindow(10, 4, () => SENT + 8_000)(sentAt)).toBe(2);
  });
  test('a zero window, or a sent time that is not a date, never waits', () => {
    expect(settleWindow(0, 1, () => SENT)(new Date(SENT).toISOString())).toBeUndefined();
    expect(settleWindow(10, 1, () => SENT)('not a date')).toBeUndefined();
  });
});

describe('applyCommand with a settle window', () => {
  const within = () => 1;
  const run = async (
    store: FakeDirectoryStore,
    command: HashedCommand,
    settle?: () => number | undefined,
  ) => {
    const result = await applyCommand(
      store,
      undefined,
      undefined,
      undefined,
      settle,
    )(eventOf(command, 'c1'))();
    if (E.isLeft(result)) throw result.left;
    return result.right;
  };
  const joinLate: HashedCommand = {
    type: 'USER_CREATED',
    name: 'Ana',
    email: 'ana@x.io',
    passwordHash: HASH,
    groups: [groupRef('Late')],
  };

  test('a command naming only missing entities waits: nothing is written, not even a rejection', async () => {
    const store = new FakeDirectoryStore();
    expect(await run(store, joinLate, within)).toEqual<Outcome>({
      kind: 'waiting',
      delaySeconds: 1,
      reasons: ['groups: unknown group: "Late"'],
    });
    expect(store.items.size).toBe(0);
    expect(store.calls.transact).toBe(0);
  });

  test('once the window has passed, the same command is rejected with the same reason', async () => {
    const store = new FakeDirectoryStore();
    expect(await run(store, joinLate, () => undefined)).toEqual({
      kind: 'rejected',
      reasons: ['groups: unknown group: "Late"'],
    });
    expect(store.get(keys.command('c1'))).toMatchObject({ status: 'REJECTED' });
  });

  test('a command also refused for another reason (a taken email) is rejected at once', async () => {
    const store = new FakeDirectoryStore().seed(emailClaim('ana@x.io'));
    expect(await run(store, joinLate, within)).toMatchObject({ kind: 'rejected' });
  });

  test.each<[string, HashedCommand]>([
    [
      'USER_UPDATED',
      { type: 'USER_UPDATED', user: { id: userRecord('no@x.io').user.userId, label: 'no@x.io' }, name: 'N' },
    ],
    [
      'USER_DELETED',
      { type: 'USER_DELETED', user: { id: userRecord('no@x.io').user.userId, label: 'no@x.io' } },
    ],
    ['GROUP_UPDATED', { type: 'GROUP_UPDATED', group: groupRef('Nope'), name: 'Other' }],
    ['GROUP_DELETED', { type: 'GROUP_DELETED', group: groupRef('Nope') }],
  ])('%s of a missing entity waits too', async (_, command) => {
    expect(await run(new FakeDirectoryStore(), command, within)).toMatchObject({ kind: 'waiting' });
  });

  test('a rule violation that no later command can cure (a taken group name) is rejected at once', async () => {
    const store = new FakeDirectoryStore();
    await run(store, { type: 'GROUP_CREATED', name: 'Dev' });
    const again = await applyCommand(
      store,
      undefined,
      undefined,
      undefined,
      within,
    )(eventOf({ type: 'GROUP_CREATED', name: 'Dev' }, 'c2'))();
    expect(again).toEqual(
      E.right({ kind: 'rejected', reasons: ['name: a group named "Dev" already exists'] }),
    );
  });
});
