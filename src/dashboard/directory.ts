/** The directory: users and groups with search, and one group's members page by page. */
import { button, byId, el, fill, getJson } from './dom';

interface User {
  id: string;
  email: string;
  name: string;
  groups: string[];
}
interface Group {
  id: string;
  name: string;
  memberCount: number;
}
interface Member {
  id: string;
  email: string;
  name: string;
}

/** A list read page by page through the read API; `pages` grows when the user asks for more. */
const pagedList = <T>(path: string, key: string) => {
  let pages = 1;
  let items: T[] = [];
  let more = false;
  return {
    more: () => more,
    items: () => items,
    grow: () => (pages += 1),
    load: async () => {
      const out: T[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < pages; page += 1) {
        const q = cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`;
        const data = await getJson<Record<string, unknown> & { next?: string }>(`${path}?limit=50${q}`);
        out.push(...((data[key] ?? []) as T[]));
        cursor = data.next;
        if (cursor === undefined) break;
      }
      items = out;
      more = cursor !== undefined;
    },
  };
};

const users = pagedList<User>('/api/users', 'users');
const groups = pagedList<Group>('/api/groups', 'groups');
let membersOf: { group: Group; cursors: string[]; next?: string } | undefined;

const matches = (query: string, ...texts: string[]) =>
  query === '' || texts.some((t) => t.toLowerCase().includes(query.toLowerCase()));

const renderUsers = () => {
  const q = byId<HTMLInputElement>('user-search').value.trim();
  fill(
    byId('users'),
    users
      .items()
      .filter((u) => matches(q, u.email, u.name))
      .map((u) =>
        el(
          'tr',
          { 'data-user': u.id },
          el('td', {}, u.email),
          el('td', {}, u.name),
          el('td', {}, u.groups.join(', ') || '-'),
        ),
      ),
  );
  byId('users-more').hidden = !users.more();
};

const showMembers = async (group: Group, cursor?: string) => {
  const q = cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`;
  const data = await getJson<{ members?: Member[]; next?: string }>(
    `/api/groups/${group.id}/members?limit=25${q}`,
  );
  membersOf = { group, cursors: [], ...(data.next === undefined ? {} : { next: data.next }) };
  byId('members-panel').hidden = false;
  byId('members-title').textContent = `Members of ${group.name} (${group.memberCount})`;
  fill(
    byId('members'),
    (data.members ?? []).map((m) => el('tr', {}, el('td', {}, m.email), el('td', {}, m.name))),
  );
  byId('members-more').hidden = data.next === undefined;
};

const renderGroups = () => {
  const q = byId<HTMLInputElement>('group-search').value.trim();
  fill(
    byId('groups'),
    groups
      .items()
      .filter((g) => matches(q, g.name))
      .map((g) =>
        el(
          'tr',
          { 'data-group': g.id },
          el('td', {}, g.name),
          el('td', {}, `${g.memberCount}`),
          el(
            'td',
            {},
            button(`Members of ${g.name}`, () => showMembers(g), 'secondary'),
          ),
        ),
      ),
  );
  byId('groups-more').hidden = !groups.more();
};

/** Reloads users and groups (the pages already shown) and redraws them with the current search. */
export const refreshDirectory = async (): Promise<void> => {
  await Promise.all([users.load(), groups.load()]);
  renderUsers();
  const focused = document.activeElement;
  const inGroups = focused instanceof HTMLElement && byId('groups').contains(focused);
  if (!inGroups) renderGroups();
};

/** Wires the search boxes and the "more" buttons. */
export const initDirectory = (): void => {
  byId('user-search').addEventListener('input', renderUsers);
  byId('group-search').addEventListener('input', renderGroups);
  byId('users-more').addEventListener('click', () => {
    users.grow();
    void refreshDirectory();
  });
  byId('groups-more').addEventListener('click', () => {
    groups.grow();
    void refreshDirectory();
  });
  byId('members-more').addEventListener('click', () => {
    if (membersOf?.next !== undefined) void showMembers(membersOf.group, membersOf.next);
  });
};
