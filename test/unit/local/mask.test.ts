import { maskBody, maskPasswords } from '../../../src/local/mask';

describe('maskPasswords (validate prints the decoded command with it)', () => {
  test('a decoded command keeps every field but its password, in order', () => {
    const command = {
      type: 'USER_CREATED',
      name: 'Ana',
      email: 'a@example.com',
      password: 'hardpass',
      groups: [],
    };
    expect(JSON.stringify(maskPasswords(command))).toBe(
      '{"type":"USER_CREATED","name":"Ana","email":"a@example.com","password":"***","groups":[]}',
    );
    expect(command.password).toBe('hardpass');
  });

  test('a password at any depth, in objects and arrays, is masked; other values pass through', () => {
    expect(maskPasswords({ a: [{ password: 'x' }, 1], b: { c: { password: null } } })).toEqual({
      a: [{ password: '***' }, 1],
      b: { c: { password: '***' } },
    });
    for (const value of [null, 3, 'password', true, [1, 'two']]) expect(maskPasswords(value)).toEqual(value);
  });

  test('a command without a password is unchanged', () => {
    const command = { type: 'GROUP_CREATED', name: 'Administrators' };
    expect(maskPasswords(command)).toEqual(command);
  });
});

describe('maskBody (dlq prints raw message bodies with it)', () => {
  test("a raw body's eventData.password is masked, the rest kept", () => {
    const body = JSON.stringify({
      entityType: 'USER',
      eventType: 'USER_CREATED',
      eventData: {
        name: 'poison',
        email: 'p@example.com',
        password: 'never-print-me',
        groups: ['Engineering'],
      },
    });
    const masked = maskBody(body);
    expect(masked).not.toContain('never-print-me');
    expect(JSON.parse(masked)).toEqual({
      entityType: 'USER',
      eventType: 'USER_CREATED',
      eventData: { name: 'poison', email: 'p@example.com', password: '***', groups: ['Engineering'] },
    });
  });

  test('a body that is not JSON is not shown at all: it could hold anything', () => {
    expect(maskBody('{"password": "half a secret')).toBe('(not JSON; not shown)');
    expect(maskBody('')).toBe('(not JSON; not shown)');
  });

  test('JSON that is not an object is shown as it is', () => {
    expect(maskBody('[1,2]')).toBe('[1,2]');
    expect(maskBody('"text"')).toBe('"text"');
  });
});
