/**
 * What an operator does with a dead-lettered command, done for `npm run chaos`: a command with no
 * outcome whose message sits in a DLQ is redriven (`npm run redrive`), and its outcome waited for.
 * Under heavy injected faults and kills a message can use up its receive attempts: that is the DLQ's
 * job, not a loss. A command found in no DLQ stays LOST.
 */
import { waitForOutcome, type Target } from '../../src/local/client';
import { redrive } from '../../src/local/redrive';
import type { Step, UniverseRun } from '../../test/support/model-run';

/** The runs with their dead-lettered commands redriven and decided, and how many were. */
export const redriveLost = async (
  target: Target,
  runs: readonly UniverseRun[],
  timeoutMs: number,
): Promise<{ runs: UniverseRun[]; redriven: number }> => {
  const lost = new Set(runs.flatMap((r) => r.steps.filter((s) => s.got === 'LOST').map((s) => s.commandId)));
  if (lost.size === 0) return { runs: [...runs], redriven: 0 };
  // The input queue gives a redriven message a new id, which is its new command id.
  const renamed = new Map<string, string>();
  const { moved: fromInput } = await redrive(target.sqs, {
    from: await target.queueUrl('inputDlq'),
    to: await target.queueUrl('input'),
    match: (m) => lost.has(m.messageId),
  });
  for (const m of fromInput) renamed.set(m.messageId, m.newMessageId);
  // A published event keeps its command id.
  const { moved: fromCache } = await redrive(target.sqs, {
    from: await target.queueUrl('cacheDlq'),
    to: await target.queueUrl('cache'),
    match: (m) => m.commandId !== undefined && lost.has(m.commandId),
  });
  for (const m of fromCache) if (m.commandId !== undefined) renamed.set(m.commandId, m.commandId);
  const decide = async (step: Step): Promise<Step> => {
    const commandId = renamed.get(step.commandId);
    if (step.got !== 'LOST' || commandId === undefined) return step;
    const outcome = await waitForOutcome(target.doc, target.names.table, commandId, timeoutMs).catch(
      () => undefined,
    );
    if (outcome === undefined) return step;
    return {
      ...step,
      commandId,
      got: outcome.status === 'REJECTED' ? 'REJECTED' : 'APPLIED',
      reasons: outcome.reasons ?? [],
    };
  };
  const decided = await Promise.all(
    runs.map(async (r) => ({ ...r, steps: await Promise.all(r.steps.map(decide)) })),
  );
  return { runs: decided, redriven: renamed.size };
};
