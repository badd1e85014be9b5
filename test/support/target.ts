import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What the target of an end-to-end run promises, declared per target in test/e2e/targets/<name>.json:
 * `embedded` (no E2E_ENDPOINT: each suite starts a private stack), `stack` (a separate `npm run stack`,
 * the default with E2E_ENDPOINT) or `localstack` (E2E_TARGET=localstack). A test that needs what a
 * target does not promise is registered with `testWhere` and says so in the output, with the reason.
 */
export interface Capabilities {
  readonly about: string;
  /** How much longer than on a private embedded stack an outcome may take (cold Lambda containers). */
  readonly patience: number;
  /** The cache handler's settle window (E2E_SETTLE_WINDOW_SECONDS overrides it: a stack started with another). */
  readonly settleWindowSeconds: number;
  /** An unsigned POST /commands is refused (403): API Gateway's AWS_IAM authorizer is enforced. */
  readonly iamEnforced: boolean;
  /** The test process sees each batch the handlers were given (handlers in-process). */
  readonly invocationRecords: boolean;
  /**
   * Where the ordered-mode (FIFO) stage is: `private` (the suite starts one), or the name of the
   * variable holding its endpoint, and its stage; null when the target has none.
   */
  readonly ordered: { readonly endpoint: string; readonly stage: string } | null;
}

const DIR = join(__dirname, '../e2e/targets');

/** The names of the declared targets (the files of test/e2e/targets). */
export const targetNames = (): string[] =>
  readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''))
    .sort();

/** The target an environment names: E2E_TARGET, else `stack` with E2E_ENDPOINT, else `embedded`. */
export const targetName = (env: NodeJS.ProcessEnv = process.env): string => {
  const named = env['E2E_TARGET']?.trim();
  const name = named || (env['E2E_ENDPOINT']?.trim() ? 'stack' : 'embedded');
  if (!targetNames().includes(name))
    throw new Error(`E2E_TARGET=${name} is not declared in test/e2e/targets (${targetNames().join(', ')})`);
  if (name === 'embedded' && env['E2E_ENDPOINT']?.trim())
    throw new Error('E2E_TARGET=embedded starts private stacks: unset E2E_ENDPOINT, or name the target');
  return name;
};

/** The capabilities of the target an environment names, with its overrides applied. */
export const capabilitiesOf = (env: NodeJS.ProcessEnv = process.env): Capabilities => {
  const declared = JSON.parse(readFileSync(join(DIR, `${targetName(env)}.json`), 'utf8')) as Capabilities;
  const window = env['E2E_SETTLE_WINDOW_SECONDS']?.trim();
  if (window === undefined || window === '') return declared;
  const seconds = Number(window);
  if (!Number.isInteger(seconds) || seconds < 0)
    throw new Error(`E2E_SETTLE_WINDOW_SECONDS must be a whole number of seconds, got '${window}'`);
  return { ...declared, settleWindowSeconds: seconds };
};

/** The capabilities of this run's target. */
export const capabilities: Capabilities = capabilitiesOf();
/** This run's target, by name. */
export const TARGET = targetName();

/** The line a test that does not apply on this target prints (remote-target and test:localstack count them). */
export const notApplicableLine = (title: string, reason: string) =>
  `NOT APPLICABLE on ${TARGET}: ${title}: ${reason}`;

/**
 * A test that needs a capability: registered as usual where the target has it; elsewhere registered
 * under a title that says it does not apply and why, printing that line (never a silent skip).
 */
export const testWhere = (
  applies: boolean,
  reason: string,
  title: string,
  fn: () => Promise<void>,
  timeoutMs?: number,
): void => {
  if (applies) {
    test(title, fn, timeoutMs);
    return;
  }
  test(`${title} [does not apply on ${TARGET}: ${reason}]`, () => {
    process.stderr.write(`${notApplicableLine(title, reason)}\n`);
    expect(applies).toBe(false);
  });
};
