import { createHash, createHmac } from 'node:crypto';
import { isLoopbackUrl, signedPost } from '../../../src/local/http-send';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const URL_ON_AWS = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/commands';
const body = JSON.stringify({ entityType: 'GROUP', eventType: 'GROUP_CREATED', eventData: { name: 'Dev' } });

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: string | Buffer, text: string) => createHmac('sha256', key).update(text, 'utf8').digest();

/** SigV4 recomputed from the AWS documentation's algorithm with node:crypto, independently of the signer. */
const expectedSignature = (url: URL, headers: Record<string, string>, payload: string, secret: string) => {
  const auth = headers['authorization'] ?? '';
  const [, scope = '', signedHeaders = ''] =
    /Credential=[^/]+\/([^,]+), SignedHeaders=([^,]+), Signature=/.exec(auth) ?? [];
  const all: Record<string, string> = { ...headers, host: url.host };
  const canonicalHeaders = signedHeaders
    .split(';')
    .map((h) => `${h}:${(all[h] ?? '').trim()}\n`)
    .join('');
  const canonical = ['POST', url.pathname, '', canonicalHeaders, signedHeaders, sha256(payload)].join('\n');
  const date = headers['x-amz-date'] ?? '';
  const toSign = ['AWS4-HMAC-SHA256', date, scope, sha256(canonical)].join('\n');
  const [day = '', region = '', service = ''] = scope.split('/');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), 'aws4_request');
  return { scope, signedHeaders, signature: createHmac('sha256', key).update(toSign, 'utf8').digest('hex') };
};

describe('send --via http signs POST /commands with SigV4 for execute-api', () => {
  test('the Authorization header carries a valid signature over host, content type, date and body', async () => {
    const request = await signedPost({ url: URL_ON_AWS, region: 'eu-west-1', credentials }, body);
    expect(request.url).toBe(URL_ON_AWS);
    expect(request.body).toBe(body);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['host']).toBeUndefined();
    const auth = request.headers['authorization'] ?? '';
    expect(auth).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, /,
    );
    const expected = expectedSignature(
      new URL(URL_ON_AWS),
      request.headers,
      body,
      credentials.secretAccessKey,
    );
    expect(expected.signedHeaders.split(';')).toEqual(
      expect.arrayContaining(['content-type', 'host', 'x-amz-date']),
    );
    expect(auth).toContain(`Signature=${expected.signature}`);
  });

  test('a different body or secret gives a different signature (the check above can fail)', async () => {
    const request = await signedPost({ url: URL_ON_AWS, region: 'eu-west-1', credentials }, body);
    const auth = request.headers['authorization'] ?? '';
    const url = new URL(URL_ON_AWS);
    expect(auth).not.toContain(
      `Signature=${expectedSignature(url, request.headers, `${body} `, credentials.secretAccessKey).signature}`,
    );
    expect(auth).not.toContain(
      `Signature=${expectedSignature(url, request.headers, body, 'other').signature}`,
    );
  });

  test("a loopback URL without AWS_ACCESS_KEY_ID signs with the emulators' test credentials", async () => {
    const request = await signedPost(
      { url: 'http://127.0.0.1:4567/commands', region: 'us-east-1', env: {} },
      body,
    );
    expect(request.headers['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=test\//);
    expect(isLoopbackUrl(new URL('http://localhost:4567/commands'))).toBe(true);
    expect(isLoopbackUrl(new URL(URL_ON_AWS))).toBe(false);
  });
});
