import { guardRequest, loopbackHosts } from '../../../src/local/request-guard';

const PORT = 4567;
const verdict = (method: string, headers: Record<string, string | string[]>) =>
  guardRequest({ method, headers }, PORT);

describe('guardRequest: what every request to the local server must look like', () => {
  test('the loopback hosts of the port', () => {
    expect(loopbackHosts(PORT)).toEqual(['127.0.0.1:4567', 'localhost:4567', '[::1]:4567']);
  });

  test('a GET needs only a loopback Host (no Content-Type), any case', () => {
    for (const host of ['127.0.0.1:4567', 'LOCALHOST:4567', '[::1]:4567'])
      expect(verdict('GET', { host })).toEqual({ ok: true });
  });

  test.each([
    ['no Host', 'GET', {}, 421],
    ['a foreign Host', 'GET', { host: 'evil.example' }, 421],
    ['a loopback Host without the port', 'GET', { host: '127.0.0.1' }, 421],
    ['a foreign Origin on a GET', 'GET', { host: '127.0.0.1:4567', origin: 'http://evil.example' }, 403],
    ['our host under https', 'GET', { host: '127.0.0.1:4567', origin: 'https://127.0.0.1:4567' }, 403],
    ['a cross-site fetch', 'GET', { host: '127.0.0.1:4567', 'sec-fetch-site': 'cross-site' }, 403],
    ['a POST of text/plain', 'POST', { host: '127.0.0.1:4567', 'content-type': 'text/plain' }, 415],
    ['a DELETE without a type', 'DELETE', { host: '127.0.0.1:4567' }, 415],
  ] as const)('%s: refused with %s', (_, method, headers, status) => {
    expect(verdict(method, headers)).toMatchObject({
      ok: false,
      statusCode: status,
      error: expect.any(String),
    });
  });

  test('same-origin browser requests and user navigations pass', () => {
    expect(
      verdict('POST', {
        host: 'localhost:4567',
        origin: 'http://localhost:4567',
        'sec-fetch-site': 'same-origin',
        'content-type': 'application/json',
      }),
    ).toEqual({ ok: true });
    expect(verdict('GET', { host: '127.0.0.1:4567', 'sec-fetch-site': 'none' })).toEqual({ ok: true });
  });
});
