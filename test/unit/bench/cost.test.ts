import { costPerMillion, lambdaCost, type Prices } from '../../../scripts/bench/cost';
import pricesJson from '../../../scripts/bench/prices.json';

const prices: Prices = {
  recorded: 'test',
  reReadToday: false,
  source: 'test',
  lambda: { arm64PerGbSecond: 0.0000133334, perMillionRequests: 0.2 },
  sqs: { standardPerMillionRequests: 0.4 },
  sns: { standardPerMillionPublishes: 0.5 },
  kms: { perTenThousandRequests: 0.03 },
  dynamodb: { onDemandPerMillionWriteUnits: 0.625, onDemandPerMillionReadUnits: 0.125 },
};

describe('cost of a million commands', () => {
  test('Lambda: requests plus GB-s at each function memory', () => {
    // 0.1 invocation and 100 ms per command at 1024 MiB: 100,000 requests ($0.02) + 100,000 GB-s.
    expect(lambdaCost([{ invocations: 0.1, ms: 100, memoryMiB: 1024 }], prices)).toBeCloseTo(
      0.02 + 100_000 * 0.0000133334,
      6,
    );
    // half the memory, half the GB-s
    expect(lambdaCost([{ invocations: 0, ms: 100, memoryMiB: 512 }], prices)).toBeCloseTo(
      50_000 * 0.0000133334,
      6,
    );
  });

  test('every service and the total', () => {
    const cost = costPerMillion(
      {
        lambda: [{ invocations: 0.2, ms: 0, memoryMiB: 512 }],
        sqsRequests: 0.5,
        snsRequests: 0.1,
        writeUnits: 14,
        readUnits: 6,
        kmsRequests: 0.1,
      },
      prices,
    );
    expect(cost.lambda).toBeCloseTo(0.04, 9);
    expect(cost.sqs).toBeCloseTo(0.2, 9);
    expect(cost.sns).toBeCloseTo(0.05, 9);
    expect(cost.dynamodb).toBeCloseTo(14 * 0.625 + 6 * 0.125, 9);
    expect(cost.kms).toBeCloseTo(0.3, 9);
    expect(cost.total).toBeCloseTo(0.04 + 0.2 + 0.05 + 9.5 + 0.3, 9);
  });

  test('an unmeasured service leaves the total unknown', () => {
    const cost = costPerMillion(
      { sqsRequests: 1, snsRequests: 1, writeUnits: 1, readUnits: 1, kmsRequests: 0 },
      prices,
    );
    expect(cost.lambda).toBeUndefined();
    expect(cost.total).toBeUndefined();
    expect(cost.sqs).toBeCloseTo(0.4, 9);
  });

  test('the recorded prices file has every price the arithmetic needs, with its source and date', () => {
    const p: Prices = pricesJson;
    expect(p.recorded).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(p.source.length).toBeGreaterThan(20);
    for (const v of [
      p.lambda.arm64PerGbSecond,
      p.lambda.perMillionRequests,
      p.sqs.standardPerMillionRequests,
      p.sns.standardPerMillionPublishes,
      p.kms.perTenThousandRequests,
      p.dynamodb.onDemandPerMillionWriteUnits,
      p.dynamodb.onDemandPerMillionReadUnits,
    ])
      expect(v).toBeGreaterThan(0);
  });
});
