import { parseChaosArgs } from '../../../scripts/chaos/args';

const parse = (...argv: string[]) => parseChaosArgs(argv, () => 77);

test('defaults, with the random seed when none is given', () => {
  expect(parse()).toEqual({
    kind: 'run',
    args: {
      commands: 500,
      seed: 77,
      universes: 4,
      kills: 4,
      faultRate: 0.07,
      duplicateRate: 0.05,
      delayRate: 0.05,
      processKills: false,
    },
  });
});

test('every option', () => {
  expect(
    parse(
      '--commands',
      '2000',
      '--seed',
      '9',
      '--universes',
      '8',
      '--kills',
      '5',
      '--fault-rate',
      '0.1',
      '--duplicate-rate',
      '1',
      '--delay-rate',
      '0',
      '--process-kills',
    ),
  ).toEqual({
    kind: 'run',
    args: {
      commands: 2000,
      seed: 9,
      universes: 8,
      kills: 5,
      faultRate: 0.1,
      duplicateRate: 1,
      delayRate: 0,
      processKills: true,
    },
  });
  expect(parse('--commands', '2', '--universes', '8')).toMatchObject({ args: { universes: 2 } });
  expect(parse('-h')).toEqual({ kind: 'help' });
});

test.each([
  [['--commands', 'x'], "--commands must be an integer from 1 to 1000000, got 'x'"],
  [['--commands', '0'], "--commands must be an integer from 1 to 1000000, got '0'"],
  [['--commands', '1e3'], "--commands must be an integer from 1 to 1000000, got '1e3'"],
  [['--seed=-1'], "--seed must be an integer from 0 to 2147483647, got '-1'"],
  [['--fault-rate', '1.5'], "--fault-rate must be a number from 0 to 1, got '1.5'"],
  [['--delay-rate', 'NaN'], "--delay-rate must be a number from 0 to 1, got 'NaN'"],
  [['--commands'], "Option '--commands <value>' argument missing"],
  [['--bogus'], "Unknown option '--bogus'"],
  [['extra'], "Unexpected argument 'extra'"],
])('refuses %j', (argv, message) => {
  const parsed = parse(...argv);
  expect(parsed.kind).toBe('usage-error');
  expect(parsed.kind === 'usage-error' && parsed.message).toContain(message);
});
