/**
 * `npm run replay`: sends a past command again, so that a fix can be tried on the message that
 * failed. From a DLQ (every message, back to its source queue: a redrive), or one command by id:
 * found in either DLQ it is moved back; otherwise its outcome in the table says why it cannot be
 * replayed (the table keeps outcomes, never messages: a USER command's message holds a password).
 */
import { getCommandRecord } from '../adapters/dynamodb';
import type { Target } from './client';
import { describeMoved, redrive, type MovedMessage } from './redrive';
import type { QueueName } from './topology';

/** What to replay: every message of a DLQ, or one command by id. */
export type ReplayRequest = { readonly dlq: 'input' | 'cache' } | { readonly commandId: string };

const ROUTES: Record<'input' | 'cache', { from: QueueName; to: QueueName }> = {
  input: { from: 'inputDlq', to: 'input' },
  cache: { from: 'cacheDlq', to: 'cache' },
};

const move = async (
  target: Target,
  dlq: 'input' | 'cache',
  log: (line: string) => void,
  commandId?: string,
): Promise<MovedMessage[]> => {
  const route = ROUTES[dlq];
  const { moved } = await redrive(target.sqs, {
    from: await target.queueUrl(route.from),
    to: await target.queueUrl(route.to),
    ...(commandId === undefined ? {} : { match: (m) => m.commandId === commandId, max: 1 }),
    onMoved: (m) => log(`moved from ${target.names.queues[route.from]}: ${describeMoved(m)}`),
  });
  return moved;
};

/**
 * Replays from a DLQ or by command id, logging one line per message moved (allowlisted fields only);
 * resolves to the exit code: 0 when something was replayed (or a DLQ was empty), 1 when the command
 * cannot be replayed.
 */
export const replay = async (
  target: Target,
  request: ReplayRequest,
  log: (line: string) => void,
): Promise<number> => {
  if ('dlq' in request) {
    const moved = await move(target, request.dlq, log);
    log(`${moved.length} message(s) moved back to ${target.names.queues[ROUTES[request.dlq].to]}`);
    return 0;
  }
  const { commandId } = request;
  for (const dlq of ['input', 'cache'] as const) {
    const moved = await move(target, dlq, log, commandId);
    if (moved.length > 0) return 0;
  }
  const record = await getCommandRecord(target.doc, target.names.table, commandId);
  if (record === undefined) {
    log(
      `command ${commandId} is in neither DLQ and has no outcome in ${target.names.table}: nothing to replay`,
    );
    return 1;
  }
  const why =
    record.status === 'REJECTED'
      ? 'it was rejected, and the table keeps its outcome and reasons, not its message (a USER command would hold a password): send the corrected event file again'
      : record.status === 'APPLIED'
        ? 'it was applied; sending it again under the same id would change nothing (its marker)'
        : 'it is still in progress (a group deletion sweeping its members)';
  log(`command ${commandId} (${record.eventType ?? 'unknown type'}) cannot be replayed: ${why}`);
  return 1;
};
