import * as E from 'fp-ts/Either';
import { checkPassword, normalizeGroupName, normalizeName } from '../../../src/domain/fields';
import { formatReason } from '../../../src/domain/reasons';

const refused = (result: E.Either<readonly { path: string; message: string }[], unknown>): string[] =>
  E.isLeft(result) ? result.left.map(formatReason) : [];

describe('names are well-formed, visible Unicode', () => {
  test.each([
    ['a lone high surrogate', 'team\ud800', 'must be well-formed Unicode (it holds a lone surrogate)'],
    ['a lone low surrogate', 'team\udfff', 'must be well-formed Unicode (it holds a lone surrogate)'],
    [
      'a zero-width space',
      'Sa\u200bles',
      'must not contain invisible format characters (zero-width or bidi controls)',
    ],
    [
      'a bidi override',
      'Sales\u202e',
      'must not contain invisible format characters (zero-width or bidi controls)',
    ],
    ['a private-use character', 'Sales\ue000', 'must not contain private-use characters'],
    ['an unassigned code point', 'Sales\u0378', 'must not contain unassigned code points'],
    ['a control character', 'Sa\u0007les', 'must not contain control characters'],
  ])('%s is refused', (_, raw, message) => {
    expect(refused(normalizeName('eventData.name', raw))).toEqual([`eventData.name: ${message}`]);
    expect(refused(normalizeGroupName('eventData.name', raw))).toEqual([`eventData.name: ${message}`]);
  });

  test('the replacement character, accents, CJK and emoji are accepted', () => {
    for (const name of ['team\ufffd', 'Ação', '開発', 'Devs 🚀'])
      expect(E.isRight(normalizeName('n', name))).toBe(true);
  });

  test('lone surrogates in a password are refused, so distinct inputs never share a hash', () => {
    for (const password of ['\ud800', '\udfff', 'ab\udbffcd'])
      expect(refused(checkPassword('eventData.password', password))).toEqual([
        'eventData.password: must be well-formed Unicode (it holds a lone surrogate)',
      ]);
    expect(E.isRight(checkPassword('eventData.password', '\ufffd'))).toBe(true);
  });
});
