import { capabilitiesOf, targetName, targetNames } from '../../support/target';

// Which target an end-to-end run is on, and what it promises (test/e2e/targets/<name>.json).

test('the declared targets, and the one an environment names', () => {
  expect(targetNames()).toEqual(['embedded', 'localstack', 'stack']);
  expect(targetName({})).toBe('embedded');
  expect(targetName({ E2E_ENDPOINT: 'http://127.0.0.1:4566' })).toBe('stack');
  expect(targetName({ E2E_ENDPOINT: 'http://127.0.0.1:4566', E2E_TARGET: 'localstack' })).toBe('localstack');
  expect(() => targetName({ E2E_TARGET: 'moto' })).toThrow(
    /E2E_TARGET=moto is not declared in test\/e2e\/targets \(embedded, localstack, stack\)/,
  );
  expect(() => targetName({ E2E_TARGET: 'embedded', E2E_ENDPOINT: 'http://x' })).toThrow(
    /unset E2E_ENDPOINT/,
  );
});

test('each target declares every capability; only an in-process stack sees the batches; nobody here enforces IAM', () => {
  const keys = ['about', 'iamEnforced', 'invocationRecords', 'ordered', 'patience', 'settleWindowSeconds'];
  for (const name of targetNames()) {
    const c = capabilitiesOf(name === 'embedded' ? {} : { E2E_ENDPOINT: 'http://x', E2E_TARGET: name });
    expect(Object.keys(c).sort()).toEqual(keys);
    expect(c.patience).toBeGreaterThanOrEqual(1);
    expect(c.invocationRecords).toBe(name === 'embedded');
    expect(c.iamEnforced).toBe(false);
  }
  expect(capabilitiesOf({ E2E_ENDPOINT: 'http://x', E2E_TARGET: 'localstack' }).ordered).toEqual({
    endpoint: 'E2E_ENDPOINT',
    stage: 'local-ordered',
  });
});

test('E2E_SETTLE_WINDOW_SECONDS overrides the declared window, and must be whole seconds', () => {
  const env = { E2E_ENDPOINT: 'http://x' };
  expect(capabilitiesOf(env).settleWindowSeconds).toBe(10);
  expect(capabilitiesOf({ ...env, E2E_SETTLE_WINDOW_SECONDS: '5' }).settleWindowSeconds).toBe(5);
  expect(() => capabilitiesOf({ ...env, E2E_SETTLE_WINDOW_SECONDS: '2.5' })).toThrow(
    /whole number of seconds, got '2\.5'/,
  );
});
