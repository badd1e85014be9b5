import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { findJava, type DynamoDbLocal } from '../../src/local/dynamodb-local';
import { startPrivateDynamoDb } from '../support/emulators';

/** Sends a DynamoDB ListTables request over a raw socket and returns what came back ('' if closed without a byte). */
const listTablesVia = (host: string, port: number): Promise<string> =>
  new Promise((resolve) => {
    const socket = connect(port, host);
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', () => resolve(received));
    socket.on('close', () => resolve(received));
    socket.on('connect', () =>
      socket.end(
        [
          'POST / HTTP/1.1',
          `Host: ${host}:${port}`,
          'Content-Type: application/x-amz-json-1.0',
          'X-Amz-Target: DynamoDB_20120810.ListTables',
          'Authorization: AWS4-HMAC-SHA256 Credential=test/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
          'Connection: close',
          'Content-Length: 2',
          '',
          '{}',
        ].join('\r\n'),
      ),
    );
    socket.setTimeout(10_000, () => socket.destroy());
  });

describe('DynamoDB Local stays off the network (Java 17 to 23: loopback-only security policy)', () => {
  let dynamodb: DynamoDbLocal;
  beforeAll(async () => {
    dynamodb = await startPrivateDynamoDb();
  }, 60_000);
  afterAll(() => dynamodb.stop());

  test('answers on 127.0.0.1 and closes a connection from this host’s network address unanswered', async () => {
    expect(dynamodb.loopbackOnly).toBe(findJava().major <= 23);
    expect(await listTablesVia('127.0.0.1', dynamodb.port)).toMatch(/^HTTP\/1\.1 200[\s\S]*"TableNames"/);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;
    expect(external).toBeDefined();
    expect(await listTablesVia(external ?? '', dynamodb.port)).toBe('');
  }, 30_000);
});

describe('findJava', () => {
  const fakeJavaHome = (versionLine: string) => {
    const home = mkdtempSync(join(tmpdir(), 'fake-java-'));
    mkdirSync(join(home, 'bin'));
    writeFileSync(join(home, 'bin', 'java'), `#!/bin/sh\necho '${versionLine}' >&2\n`);
    chmodSync(join(home, 'bin', 'java'), 0o755);
    return home;
  };

  test.each([
    ['openjdk version "11.0.2" 2019-01-15', /found Java 11[\s\S]*openjdk-17-jre-headless/],
    ['java version "1.8.0_392"', /found Java 8[\s\S]*docker compose up/],
  ])('refuses %s with the remedy', (line, message) => {
    const home = fakeJavaHome(line);
    try {
      expect(() => findJava({ ...process.env, JAVA_HOME: home })).toThrow(message);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  test('takes Java 21 from JAVA_HOME', () => {
    const home = fakeJavaHome('openjdk version "21.0.4" 2024-07-16');
    try {
      expect(findJava({ ...process.env, JAVA_HOME: home })).toEqual({
        command: join(home, 'bin', 'java'),
        major: 21,
      });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
