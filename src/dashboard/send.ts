/** Sending a command (validated first, nothing sent on a refusal) and following one by its id. */
import { byId, el, fill, getJson, postText, time } from './dom';

interface Verdict {
  valid: boolean;
  eventType: string | null;
  reasons: string[];
  sent?: boolean;
  commandId?: string;
  sentAt?: string;
}
interface Followed {
  commandId: string;
  status: 'PENDING' | 'APPLIED' | 'REJECTED' | 'IN_PROGRESS';
  eventType?: string | null;
  stage?: string;
  sentAt?: string | null;
  published?: boolean;
  decidedAt?: string;
  reasons?: string[];
}

const sentTimes = new Map<string, string>();
let following: string | undefined;

const showVerdict = (v: Verdict, action: string) => {
  const box = byId('send-result');
  if (!v.valid) {
    fill(box, [
      el('p', { class: 'bad' }, `Refused (${v.eventType ?? 'no event type'}): nothing was sent.`),
      el('ul', { class: 'reasons' }, ...v.reasons.map((r) => el('li', {}, r))),
    ]);
    return;
  }
  fill(box, [
    el(
      'p',
      { class: 'ok' },
      v.commandId === undefined ? `Valid ${v.eventType ?? ''}: ${action}.` : `Sent ${v.eventType ?? ''} as `,
      v.commandId === undefined ? null : el('span', { class: 'mono' }, v.commandId),
    ),
  ]);
};

/** Shows where the followed command stands; polled by the page while it is not decided. */
export const refreshFollow = async (): Promise<void> => {
  if (following === undefined) return;
  const f = await getJson<Followed>(`/api/commands/${encodeURIComponent(following)}`);
  const decided = f.status === 'APPLIED' || f.status === 'REJECTED';
  const sentAt = f.sentAt ?? sentTimes.get(f.commandId) ?? null;
  const steps = [
    el('li', {}, `sent${sentAt === null ? '' : ` at ${time(sentAt)}`}`),
    el(
      'li',
      {},
      f.published === true
        ? 'published to the topic (taken by the cache handler)'
        : decided
          ? 'not published (refused by the message handler)'
          : 'published: not yet known',
    ),
    el(
      'li',
      { class: f.status === 'REJECTED' ? 'bad' : f.status === 'APPLIED' ? 'ok' : 'muted' },
      decided
        ? `${f.status.toLowerCase()} at ${time(f.decidedAt)} by the ${f.stage ?? ''}`
        : 'waiting for an outcome…',
    ),
  ];
  fill(byId('follow-result'), [
    el(
      'p',
      {},
      el('span', { class: 'mono' }, f.commandId),
      ` ${f.eventType ?? ''} · `,
      el('b', { id: 'follow-status' }, f.status),
    ),
    el('ol', { class: 'timeline' }, ...steps),
    ...(f.reasons !== undefined && f.reasons.length > 0
      ? [el('ul', { class: 'reasons' }, ...f.reasons.map((r) => el('li', {}, r)))]
      : []),
  ]);
};

const follow = (id: string) => {
  following = id.trim();
  byId<HTMLInputElement>('follow-id').value = following;
  void refreshFollow();
};

/** Wires the send form (file picker, validate, send) and the follow box. */
export const initSend = async (): Promise<void> => {
  const files = await getJson<Record<string, string[]>>('/api/files');
  const select = byId<HTMLSelectElement>('file');
  fill(
    select,
    Object.entries(files).map(([set, names]) =>
      el('optgroup', { label: set }, ...names.map((n) => el('option', { value: `${set}/${n}` }, n))),
    ),
  );
  const body = byId<HTMLTextAreaElement>('body');
  byId('load').addEventListener('click', () => {
    void fetch(`/api/files/${select.value}`)
      .then((r) => r.text())
      .then((text) => {
        body.value = text;
      });
  });
  byId('validate').addEventListener('click', () => {
    void postText<Verdict>('/api/validate', body.value).then(({ data }) => showVerdict(data, 'not sent'));
  });
  byId('send').addEventListener('click', () => {
    void postText<Verdict>('/api/commands', body.value).then(({ data }) => {
      showVerdict(data, 'sent');
      if (data.commandId !== undefined) {
        if (data.sentAt !== undefined) sentTimes.set(data.commandId, data.sentAt);
        follow(data.commandId);
      }
    });
  });
  byId('follow').addEventListener('click', () => follow(byId<HTMLInputElement>('follow-id').value));
};
