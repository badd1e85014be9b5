/** The live parts: the pipeline diagram and its rates, the rejections, the dead-letter queues. */
import { button, byId, el, fill, getJson, postText, time } from './dom';

interface QueueFigure {
  name: string;
  visible: number;
  inFlight: number;
  delayed: number;
}
interface Pipeline {
  stage: string;
  queues: Record<'input' | 'inputDlq' | 'cache' | 'cacheDlq', QueueFigure>;
  perMinute: { accepted: number; published: number; applied: number; rejected: number; exact: boolean };
  at: string;
}
interface Rejection {
  commandId: string;
  eventType: string | null;
  stage: string;
  reasons: string[];
  at: string;
}
interface DlqMessage {
  messageId: string;
  commandId: string | null;
  eventType: string | null;
  entityType: string | null;
  receiveCount: number;
  sentAt: string | null;
  reason: string;
}

const queueBox = (title: string, q: QueueFigure, dlq = false) =>
  el(
    'div',
    { class: dlq ? 'stage dlq' : 'stage', 'data-queue': q.name },
    el('b', {}, title),
    el('span', { class: 'fig' }, `${q.visible}`),
    el('small', {}, `visible · ${q.inFlight} in flight`),
    el('small', { class: 'mono' }, q.name),
  );
const fnBox = (title: string, what: string) =>
  el('div', { class: 'stage' }, el('b', {}, title), el('small', {}, what));
const arrow = () => el('span', { class: 'arrow', 'aria-hidden': 'true' }, '→');

/** Redraws the pipeline diagram and the per-minute figures. */
export const refreshPipeline = async (): Promise<void> => {
  const p = await getJson<Pipeline>('/api/pipeline');
  byId('stage').textContent = `stage ${p.stage}`;
  byId('updated').textContent = `updated ${time(p.at)}`;
  fill(byId('pipeline'), [
    fnBox('Producer', 'POST /commands · send'),
    arrow(),
    queueBox('Input queue', p.queues.input),
    queueBox('Input DLQ', p.queues.inputDlq, true),
    arrow(),
    fnBox('messageHandler', 'validate · Argon2id'),
    arrow(),
    fnBox('SNS topic', 'raw delivery'),
    arrow(),
    queueBox('Cache queue', p.queues.cache),
    queueBox('Cache DLQ', p.queues.cacheDlq, true),
    arrow(),
    fnBox('cacheHandler', 'apply once'),
    arrow(),
    fnBox('DynamoDB table', 'directory'),
  ]);
  const rate = (label: string, n: number, cls = '') =>
    el('div', { 'data-rate': label }, el('b', cls === '' ? {} : { class: cls }, `${n}`), `${label} / min`);
  fill(byId('rates'), [
    rate('accepted', p.perMinute.accepted),
    rate('published', p.perMinute.published),
    rate('applied', p.perMinute.applied, 'ok'),
    rate('rejected', p.perMinute.rejected, 'bad'),
  ]);
};

let rejectionPages = 1;

const rejectionRow = (r: Rejection) =>
  el(
    'tr',
    {},
    el('td', {}, time(r.at)),
    el('td', {}, r.eventType ?? '(none)'),
    el('td', {}, r.stage),
    el('td', {}, el('ul', { class: 'reasons' }, ...r.reasons.map((x) => el('li', {}, x)))),
    el('td', { class: 'mono' }, r.commandId),
  );

/** Reloads the rejections, newest first, as many pages as were asked for. */
export const refreshRejections = async (): Promise<void> => {
  const rows: Rejection[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < rejectionPages; page += 1) {
    const q = cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const data = await getJson<{ rejections: Rejection[]; next?: string }>(`/api/rejections?limit=20${q}`);
    rows.push(...data.rejections);
    cursor = data.next;
    if (cursor === undefined) break;
  }
  fill(byId('rejections'), rows.map(rejectionRow));
  byId('rejections-more').hidden = cursor === undefined;
};

/** Wires the "load more" button of the rejections. */
export const initRejections = (): void => {
  byId('rejections-more').addEventListener('click', () => {
    rejectionPages += 1;
    void refreshRejections();
  });
};

const redriven: Record<string, string> = {};

/** The button that moves one message back to its source queue, leaving the rest of the DLQ alone. */
const redriveOne = (name: 'inputDlq' | 'cacheDlq', messageId: string) => {
  const one = button('Redrive', async () => {
    const { data } = await postText<{ moved: number }>(
      `/api/dlq/${name}/redrive`,
      JSON.stringify({ messageIds: [messageId] }),
    );
    redriven[name] =
      `moved ${data.moved} message(s) back (${messageId}) at ${new Date().toLocaleTimeString()}`;
    await refreshDlqs();
  });
  one.setAttribute('aria-label', `Redrive message ${messageId} to its source queue`);
  return one;
};

const dlqPanel = (name: 'inputDlq' | 'cacheDlq', messages: DlqMessage[]) => {
  const status = el('span', { role: 'status', class: 'muted' }, redriven[name] ?? '');
  const redrive = button(`Redrive ${name} to its source queue`, async () => {
    const { data } = await postText<{ moved: number }>(`/api/dlq/${name}/redrive`, '');
    redriven[name] = `moved ${data.moved} message(s) back at ${new Date().toLocaleTimeString()}`;
    await refreshDlqs();
  });
  redrive.id = `redrive-${name}`;
  redrive.disabled = messages.length === 0;
  return el(
    'div',
    { id: `dlq-${name}` },
    el('h3', {}, `${name} (${messages.length})`),
    el(
      'table',
      {},
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...['Message id', 'Command id', 'Event type', 'Receives', 'Sent', 'Reason', ''].map((h) =>
            el('th', {}, h),
          ),
        ),
      ),
      el(
        'tbody',
        {},
        ...messages.map((m) =>
          el(
            'tr',
            { 'data-message': m.messageId },
            el('td', { class: 'mono' }, m.messageId),
            el('td', { class: 'mono' }, m.commandId ?? '-'),
            el('td', {}, m.eventType ?? '(unknown)'),
            el('td', {}, `${m.receiveCount}`),
            el('td', {}, time(m.sentAt)),
            el('td', {}, m.reason),
            el('td', {}, redriveOne(name, m.messageId)),
          ),
        ),
      ),
    ),
    el('div', { class: 'row' }, redrive, status),
  );
};

/** Reloads both dead-letter queues. */
export const refreshDlqs = async (): Promise<void> => {
  const names = ['inputDlq', 'cacheDlq'] as const;
  const all = await Promise.all(names.map((n) => getJson<{ messages: DlqMessage[] }>(`/api/dlq/${n}`)));
  const container = byId('dlqs');
  const focused = document.activeElement?.id;
  fill(
    container,
    names.map((n, i) => dlqPanel(n, all[i]?.messages ?? [])),
  );
  if (focused !== undefined && focused.startsWith('redrive-')) document.getElementById(focused)?.focus();
};
