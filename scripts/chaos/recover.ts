/**
 * What an operator does with a dead-lettered command, done for `npm run chaos`: a command with no
 * outcome whose message sits in a DLQ is redriven (as `npm run replay -- <commandId>` does), and its outcome waited for.
 * Under heavy injected faults and kills a message can use up its receive attempts: that is the DLQ's
 * job, not a loss. A command found in no DLQ stays LOST.
 */
import { waitForOutcome, type Target } from '../../src/local/client';
import { redrive } from '../../src/local/redrive';
import type { OutcomeWaiter, Step, UniverseRun } from '../../test/support/model-run';

/** How long a command may go without an outcome before the DLQs are searched for it. */
export const OVERDUE_MS = 10_000;

/**
 * Moves one command's message from a DLQ back to its queue; resolves with its command id then (the
 * input queue gives a redriven message a new id, a published event keeps its command id), or
 * undefined when no DLQ holds it.
 */
export const redriveCommand = async (target: Target, commandId: string): Promise<string | undefined> => {
  const { moved: fromCache } = await redrive(target.sqs, {
    from: await target.queueUrl('cacheDlq'),
    to: await target.queueUrl('cache'),
    match: (m) => m.commandId === commandId,
    max: 1,
  });
  if (fromCache.length > 0) return commandId;
  const { moved: fromInput } = await redrive(target.sqs, {
    from: await target.queueUrl('inputDlq'),
    to: await target.queueUrl('input'),
    match: (m) => m.messageId === commandId,
    max: 1,
  });
  return fromInput[0]?.newMessageId;
};

/**
 * An outcome waiter for sequential runs: a command still without an outcome after `overdueMs`
 * (default `OVERDUE_MS`) is looked for in the DLQs and, when one holds it, redriven right away, as an
 * operator would, before the next command is sent. Otherwise a later command would be applied ahead
 * of it, and compared with a model that applies every command in send order. `onRedriven` is called
 * once per redrive.
 */
export const redrivingWaiter =
  (
    target: Target,
    options: { readonly onRedriven?: () => void; readonly overdueMs?: number } = {},
  ): OutcomeWaiter =>
  async (sentId, timeoutMs) => {
    const overdueMs = options.overdueMs ?? OVERDUE_MS;
    const deadline = Date.now() + timeoutMs;
    let commandId = sentId;
    for (;;) {
      const left = deadline - Date.now();
      const outcome = await waitForOutcome(
        target.doc,
        target.names.table,
        commandId,
        Math.max(0, Math.min(left, overdueMs)),
      ).catch(() => undefined);
      if (outcome !== undefined || Date.now() >= deadline) return { commandId, outcome };
      const moved = await redriveCommand(target, commandId);
      if (moved !== undefined) {
        commandId = moved;
        options.onRedriven?.();
      }
    }
  };

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
