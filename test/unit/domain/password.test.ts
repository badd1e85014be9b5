import * as E from 'fp-ts/Either';
import { ARGON2ID_CEILING, OWASP_ARGON2ID, parseArgon2idParams } from '../../../src/domain/password';

describe('KDF_PARAMS are refused when they cannot run, at configuration time, not at hash time', () => {
  test.each([
    ['m=1e23,t=2,p=1', /not of the form/],
    ['m=100000000000000000000000,t=2,p=1', /above the ceiling/],
    ['m=19456,t=2,p=10000', /above the ceiling/],
    ['m=19456,t=1000,p=1', /above the ceiling/],
    [`m=${ARGON2ID_CEILING.memoryKiB + 1},t=2,p=1`, /above the ceiling/],
    ['m=19456,t=2,p=0', /below the OWASP floor/],
  ])('%s is refused', (text, message) => {
    expect(parseArgon2idParams(text)).toEqual(E.left(expect.stringMatching(message)));
  });

  test('the ceiling itself and the OWASP default are accepted', () => {
    const { memoryKiB, iterations, parallelism } = ARGON2ID_CEILING;
    expect(parseArgon2idParams(`m=${memoryKiB},t=${iterations},p=${parallelism}`)).toEqual(
      E.right(ARGON2ID_CEILING),
    );
    expect(parseArgon2idParams('m=19456,t=2,p=1')).toEqual(E.right(OWASP_ARGON2ID));
  });
});
