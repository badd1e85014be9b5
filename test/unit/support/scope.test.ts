import { groupIdOf, userIdOf } from '../../../src/domain/ids';
import { makeScope } from '../../support/scope';

// The namespace a target-agnostic suite runs in: a file rewritten into it keeps its meaning.
const scope = makeScope(
  ['Developers', 'Developers 2.0', 'Humam Resorces'],
  ['rodolfo.b2@gmail.com', 'ze@wow.com'],
  'r0a1b2c3d',
);

test('names, emails and command ids move into the namespace, and it owns them', () => {
  expect(scope.name('Developers')).toBe('Developers r0a1b2c3d');
  expect(scope.email('rodolfo.b2@gmail.com')).toBe('rodolfo.b2@r0a1b2c3d.gmail.com');
  expect(scope.id('poison-1')).toBe('poison-1-r0a1b2c3d');
  expect(scope.owns('Developers r0a1b2c3d')).toBe(true);
  expect(scope.owns('RODOLFO.B2@R0A1B2C3D.GMAIL.COM')).toBe(true);
  expect(scope.owns('Developers')).toBe(false);
  expect(scope.owns('rodolfo.b2@gmail.com')).toBe(false);
  expect(makeScope([], []).tag).toMatch(/^r[0-9a-f]{8}$/);
});

test('a body keeps its meaning: a repeated name, the id of a name, an unknown name and id stay what they were', () => {
  const body = JSON.stringify({
    eventData: {
      name: 'Developers 2.0',
      currentName: 'developers',
      email: 'Rodolfo.B2@gmail.com',
      other: 'ana@example.com',
      groups: [groupIdOf('Developers'), 'Unknown', 'f'.repeat(64)],
      user: userIdOf('ze@wow.com'),
    },
  });
  expect(JSON.parse(scope.text(body))).toEqual({
    eventData: {
      name: 'Developers 2.0 r0a1b2c3d',
      currentName: 'developers r0a1b2c3d',
      email: 'Rodolfo.B2@r0a1b2c3d.gmail.com',
      other: 'ana@r0a1b2c3d.example.com',
      groups: [groupIdOf('Developers r0a1b2c3d'), 'Unknown', 'f'.repeat(64)],
      user: userIdOf('ze@r0a1b2c3d.wow.com'),
    },
  });
  // the same transform on an expected reason
  expect(scope.text('user: unknown user: "ze@wow.com"')).toBe('user: unknown user: "ze@r0a1b2c3d.wow.com"');
  expect(scope.text('groups: unknown groups: "Humam Resorces"')).toBe(
    'groups: unknown groups: "Humam Resorces r0a1b2c3d"',
  );
});

test('a listed @example.com address is moved once, not twice', () => {
  const s = makeScope([], ['bob@example.com'], 'r11112222');
  expect(s.text('"bob@example.com" "eve@example.com"')).toBe(
    '"bob@r11112222.example.com" "eve@r11112222.example.com"',
  );
});
