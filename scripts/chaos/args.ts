/** The command line of `npm run chaos`, parsed strictly (node:util parseArgs) and without side effects. */
import { parseArgs } from 'node:util';

/** A chaos run's settings. */
export interface ChaosArgs {
  readonly commands: number;
  readonly seed: number;
  /** Independent universes run side by side (each one sequential), for speed. */
  readonly universes: number;
  /** Worker crashes, at random points of the run. */
  readonly kills: number;
  readonly faultRate: number;
  readonly duplicateRate: number;
  readonly delayRate: number;
  /** Workers in a child process, crashed with SIGKILL (otherwise in-process, cut off by a kill switch). */
  readonly processKills: boolean;
}

/** The usage text. */
export const CHAOS_USAGE = `Usage: npm run chaos -- [options]

Runs a generated workload on a fresh embedded stack whose workers run under SDK faults, duplicated
and delayed deliveries and crashes, checks every outcome and the final directory against the
reference model, and prints one table. Exit code 1 when a command is lost or differs from the model.

Options:
  --commands N        commands to send (default 500)
  --seed S            seed of the workload and of every injected fault (default: random, printed)
  --universes K       independent universes run side by side (default 4)
  --kills K           worker crashes at random points (default 4)
  --fault-rate R      share of the workers' SDK calls failed, 0 to 1 (default 0.07)
  --duplicate-rate R  share of deliveries and publishes duplicated, 0 to 1 (default 0.05)
  --delay-rate R      share of deliveries delayed, 0 to 1 (default 0.05)
  --process-kills     run the workers in a child process and crash them with SIGKILL (slower:
                      each restart loads the code again); by default they run in-process and a
                      crash cuts them off at once (no request sent, no response read after it)
  -h, --help          this text`;

/** What to do: run, print the usage (exit 0), or refuse the command line (exit 2). */
export type ChaosParsed =
  | { readonly kind: 'run'; readonly args: ChaosArgs }
  | { readonly kind: 'help' }
  | { readonly kind: 'usage-error'; readonly message: string };

const integer = (name: string, text: string | undefined, fallback: number, min: number, max: number) => {
  if (text === undefined) return fallback;
  const value = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max))
    throw new Error(`--${name} must be an integer from ${min} to ${max}, got '${text}'`);
  return value;
};

const rate = (name: string, text: string | undefined, fallback: number) => {
  if (text === undefined) return fallback;
  const value = /^(0|1|0?\.[0-9]+)$/.test(text) ? Number(text) : NaN;
  if (!(value >= 0 && value <= 1)) throw new Error(`--${name} must be a number from 0 to 1, got '${text}'`);
  return value;
};

/** Parses the arguments after `chaos.ts`; `randomSeed` gives the seed when none is given. */
export const parseChaosArgs = (argv: readonly string[], randomSeed: () => number): ChaosParsed => {
  try {
    const { values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        commands: { type: 'string' },
        seed: { type: 'string' },
        universes: { type: 'string' },
        kills: { type: 'string' },
        'fault-rate': { type: 'string' },
        'duplicate-rate': { type: 'string' },
        'delay-rate': { type: 'string' },
        'process-kills': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help === true) return { kind: 'help' };
    const commands = integer('commands', values.commands, 500, 1, 1_000_000);
    return {
      kind: 'run',
      args: {
        commands,
        seed: integer('seed', values.seed, randomSeed(), 0, 2 ** 31 - 1),
        universes: Math.min(commands, integer('universes', values.universes, 4, 1, 64)),
        kills: integer('kills', values.kills, 4, 0, 1000),
        faultRate: rate('fault-rate', values['fault-rate'], 0.07),
        duplicateRate: rate('duplicate-rate', values['duplicate-rate'], 0.05),
        delayRate: rate('delay-rate', values['delay-rate'], 0.05),
        processKills: values['process-kills'] === true,
      },
    };
  } catch (error) {
    return { kind: 'usage-error', message: (error as Error).message };
  }
};
