/** The dashboard page's entry: wires the sections and refreshes the live ones, at most once a second. */
import { initDirectory, refreshDirectory } from './directory';
import { byId } from './dom';
import { initRejections, refreshDlqs, refreshPipeline, refreshRejections } from './live';
import { initSend, refreshFollow } from './send';

const TICK_MS = 1000;

const tick = async (n: number): Promise<void> => {
  const tasks = [refreshPipeline(), refreshFollow()];
  // The lists change less often than the queues: every other tick. SQS has no peek: each look at a
  // DLQ is a receive that raises the messages' receive counts, so the DLQs are read every 5th tick.
  if (n % 2 === 0) tasks.push(refreshDirectory(), refreshRejections());
  if (n % 5 === 0) tasks.push(refreshDlqs());
  const results = await Promise.allSettled(tasks);
  const failed = results.find((r) => r.status === 'rejected');
  byId('updated').classList.toggle('bad', failed !== undefined);
};

const loop = async (): Promise<void> => {
  for (let n = 0; ; n += 1) {
    const started = Date.now();
    await tick(n);
    await new Promise((resolve) => setTimeout(resolve, Math.max(TICK_MS - (Date.now() - started), 250)));
  }
};

initDirectory();
initRejections();
void initSend().then(loop);
