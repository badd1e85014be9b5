/** Small DOM and fetch helpers for the dashboard page (plain DOM, no framework). */

/** The element with an id; throws when the page lacks it. */
export const byId = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`no #${id} on the page`);
  return found as T;
};

type Child = Node | string | null | undefined;

/** Creates an element with attributes and children (text is always set as text, never as HTML). */
export const el = (tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement => {
  const node = document.createElement(tag);
  Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, v));
  children.forEach((c) => {
    if (c !== null && c !== undefined) node.append(c);
  });
  return node;
};

/** A button that runs an action and is disabled while it runs. */
export const button = (label: string, action: () => Promise<void> | void, cls = ''): HTMLButtonElement => {
  const b = el(
    'button',
    { type: 'button', ...(cls === '' ? {} : { class: cls }) },
    label,
  ) as HTMLButtonElement;
  b.addEventListener('click', () => {
    b.disabled = true;
    void Promise.resolve(action()).finally(() => {
      b.disabled = false;
    });
  });
  return b;
};

/** GETs JSON from the dashboard server. */
export const getJson = async <T>(path: string): Promise<T> => {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  return (await res.json()) as T;
};

/** POSTs a text body and returns the status and JSON answer. */
export const postText = async <T>(path: string, body: string): Promise<{ status: number; data: T }> => {
  const res = await fetch(path, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  return { status: res.status, data: (await res.json()) as T };
};

/** Replaces an element's children. */
export const fill = (parent: HTMLElement, children: Node[]): void => parent.replaceChildren(...children);

/** A short local time for an ISO timestamp. */
export const time = (iso: string | null | undefined): string =>
  iso === null || iso === undefined ? '-' : new Date(iso).toLocaleTimeString();
