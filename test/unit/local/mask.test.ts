import { maskPasswords } from '../../../src/local/mask';

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
