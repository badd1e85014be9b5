/** Pure cost arithmetic: what a million commands would cost on AWS from per-command usage and prices. */

/** The prices the cost is computed with (scripts/bench/prices.json). */
export interface Prices {
  readonly recorded: string;
  readonly reReadToday: boolean;
  readonly source: string;
  readonly lambda: { readonly arm64PerGbSecond: number; readonly perMillionRequests: number };
  readonly sqs: { readonly standardPerMillionRequests: number };
  readonly sns: { readonly standardPerMillionPublishes: number };
  readonly kms: { readonly perTenThousandRequests: number };
  readonly dynamodb: {
    readonly onDemandPerMillionWriteUnits: number;
    readonly onDemandPerMillionReadUnits: number;
  };
}

/** Usage per command; undefined where it could not be measured. */
export interface UsagePerCommand {
  /** Per function: invocations and billed milliseconds per command, and its memory in MiB. */
  readonly lambda?: readonly { invocations: number; ms: number; memoryMiB: number }[];
  readonly sqsRequests?: number;
  readonly snsRequests?: number;
  readonly writeUnits?: number;
  readonly readUnits?: number;
  readonly kmsRequests?: number;
}

/** Dollars per million commands, by service. */
export interface CostPerMillion {
  readonly lambda?: number;
  readonly sqs?: number;
  readonly sns?: number;
  readonly dynamodb?: number;
  readonly kms?: number;
  readonly total?: number;
}

const MILLION = 1_000_000;

/** Lambda cost of one million commands: requests plus GB-seconds at each function's memory size. */
export const lambdaCost = (
  functions: readonly { invocations: number; ms: number; memoryMiB: number }[],
  prices: Prices,
): number =>
  functions.reduce(
    (sum, f) =>
      sum +
      f.invocations * prices.lambda.perMillionRequests +
      MILLION * (f.memoryMiB / 1024) * (f.ms / 1000) * prices.lambda.arm64PerGbSecond,
    0,
  );

/** The cost of a million commands; a service whose usage is unknown is undefined, and so is the total. */
export const costPerMillion = (usage: UsagePerCommand, prices: Prices): CostPerMillion => {
  const lambda = usage.lambda === undefined ? undefined : lambdaCost(usage.lambda, prices);
  const sqs =
    usage.sqsRequests === undefined ? undefined : usage.sqsRequests * prices.sqs.standardPerMillionRequests;
  const sns =
    usage.snsRequests === undefined ? undefined : usage.snsRequests * prices.sns.standardPerMillionPublishes;
  const dynamodb =
    usage.writeUnits === undefined || usage.readUnits === undefined
      ? undefined
      : usage.writeUnits * prices.dynamodb.onDemandPerMillionWriteUnits +
        usage.readUnits * prices.dynamodb.onDemandPerMillionReadUnits;
  const kms =
    usage.kmsRequests === undefined
      ? undefined
      : (usage.kmsRequests * MILLION * prices.kms.perTenThousandRequests) / 10_000;
  const parts = [lambda, sqs, sns, dynamodb, kms];
  const total = parts.every((p) => p !== undefined)
    ? parts.reduce((a, b) => (a ?? 0) + (b ?? 0), 0)
    : undefined;
  return { lambda, sqs, sns, dynamodb, kms, total };
};
