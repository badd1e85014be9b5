import { notApplicable, preflight, summarize, table } from '../../../scripts/test-localstack';

const ran = (status: number | null, stdout = '', stderr = '') => ({ status, stdout, stderr });

describe('the preflight of npm run test:localstack', () => {
  test('docker, an engine and the Compose plugin: the plugin is used', () => {
    expect(preflight(() => ran(0, '27.0.1'))).toEqual({ compose: ['docker', 'compose'] });
  });

  test('no Compose plugin but docker-compose: docker-compose is used', () => {
    const run = (c: string, a: string[]) => ran(c === 'docker' && a[0] === 'compose' ? 1 : 0, '27.0.1');
    expect(preflight(run)).toEqual({ compose: ['docker-compose'] });
  });

  test('every missing part is named, the engine with its first error line', () => {
    const run = (c: string, a: string[]) =>
      c === 'docker' && a[0] === 'info'
        ? ran(1, '', 'Cannot connect to the Docker daemon\nmore')
        : ran(c === 'docker' && a[0] !== 'compose' ? 0 : 127);
    const result = preflight(run);
    expect(result).toEqual({
      problems: [
        expect.stringMatching(
          /^docker: no Docker engine answers at .+ \(Cannot connect to the Docker daemon\)$/,
        ),
        'compose: neither `docker compose` (the Compose plugin) nor `docker-compose` is installed',
      ],
    });
  });
});

test('the summary counts passed, failed and not-applicable tests per suite, with a total', () => {
  const report = {
    testResults: [
      {
        name: '/repo/test/e2e/poison.test.ts',
        assertionResults: [
          { title: 'a', status: 'passed' },
          { title: 'b [does not apply on localstack: handlers run in Lambda]', status: 'passed' },
        ],
      },
      { name: '/repo/test/e2e/events.test.ts', assertionResults: [{ title: 'c', status: 'failed' }] },
    ],
  };
  const rows = summarize(report);
  expect(rows).toEqual([
    { suite: 'events.test.ts', passed: 0, failed: 1, notApplicable: 0 },
    { suite: 'poison.test.ts', passed: 1, failed: 0, notApplicable: 1 },
  ]);
  expect(table(rows).split('\n')).toEqual([
    'suite           passed  failed  not applicable',
    'events.test.ts       0       1               0',
    'poison.test.ts       1       0               1',
    'total                1       1               1',
  ]);
  expect(notApplicable(report)).toEqual(new Map([['handlers run in Lambda', ['poison.test.ts: b']]]));
});
