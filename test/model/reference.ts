/**
 * The reference model: what the directory must hold after a sequence of commands, each applied or
 * rejected before the next, and which commands must be rejected. Written from the rules as the
 * docs (docs/commands.md, docs/ordering.md) and the examples state them, not from the planner: a deliberately plain interpreter.
 */
import type { GroupRef, Op, UserRef } from './commands';
import { sha256 } from './universe';

interface Group {
  readonly key: number;
  name: string;
  canon: string;
}
interface User {
  readonly key: number;
  email: string;
  name: string;
  groups: Set<number>;
}

/** The directory as `npm run state -- --json` prints it. */
export interface DirectoryJson {
  readonly users: { email: string; name: string; groups: string[]; id: string }[];
  readonly groups: { name: string; members: string[]; id: string }[];
}

/** A model of the directory; `apply` says whether a command is applied (true) or rejected (false). */
export class ReferenceModel {
  private groups: Group[] = [];
  private users: User[] = [];
  private nextKey = 1;

  private group(ref: GroupRef): Group | undefined {
    return this.groups.find((g) => g.name === ref.entry.value);
  }

  private user(ref: UserRef): User | undefined {
    return this.users.find((u) => u.email === ref.entry.value);
  }

  /** Every group a list names, or undefined when one of them is missing. */
  private groupsOf(refs: readonly GroupRef[]): Set<number> | undefined {
    const found = refs.map((r) => this.group(r));
    return found.every((g) => g !== undefined) ? new Set(found.map((g) => (g as Group).key)) : undefined;
  }

  /** True when a name is taken by a group other than `self`, ignoring case and compatibility forms. */
  private clashes(canon: string, self?: Group): boolean {
    return this.groups.some((g) => g !== self && g.canon === canon);
  }

  /** True when every text of a command is well formed (the validation stage would accept it). */
  static wellFormed(op: Op): boolean {
    const ok = (e: { value: string | null } | undefined) => e === undefined || e.value !== null;
    const refsOk = (refs: readonly GroupRef[] | undefined) => (refs ?? []).every((r) => ok(r.entry));
    switch (op.kind) {
      case 'GROUP_CREATED':
        return ok(op.name);
      case 'GROUP_UPDATED':
        return ok(op.group.entry) && ok(op.name);
      case 'GROUP_DELETED':
        return ok(op.group.entry);
      case 'USER_CREATED':
        return ok(op.name) && ok(op.email) && ok(op.password) && refsOk(op.groups);
      case 'USER_UPDATED':
        return ok(op.user.entry) && ok(op.name) && ok(op.newEmail) && ok(op.password) && refsOk(op.groups);
      case 'USER_DELETED':
        return ok(op.user.entry);
      case 'MALFORMED':
        return false;
    }
  }

  /** Applies a command if the rules allow it; returns whether it was applied. */
  apply(op: Op): boolean {
    if (!ReferenceModel.wellFormed(op)) return false;
    switch (op.kind) {
      case 'GROUP_CREATED': {
        const canon = op.name.canon as string;
        if (this.clashes(canon)) return false;
        this.groups.push({ key: this.nextKey++, name: op.name.value as string, canon });
        return true;
      }
      case 'GROUP_UPDATED': {
        const group = this.group(op.group);
        if (group === undefined) return false;
        const name = op.name.value as string;
        if (name === group.name) return true;
        const canon = op.name.canon as string;
        if (this.clashes(canon, group)) return false;
        group.name = name;
        group.canon = canon;
        return true;
      }
      case 'GROUP_DELETED': {
        const group = this.group(op.group);
        if (group === undefined) return false;
        this.groups = this.groups.filter((g) => g !== group);
        for (const user of this.users) user.groups.delete(group.key);
        return true;
      }
      case 'USER_CREATED': {
        const email = op.email.value as string;
        const groups = this.groupsOf(op.groups ?? []);
        if (this.users.some((u) => u.email === email) || groups === undefined) return false;
        this.users.push({ key: this.nextKey++, email, name: op.name.value as string, groups });
        return true;
      }
      case 'USER_UPDATED': {
        const user = this.user(op.user);
        if (user === undefined) return false;
        const email = op.newEmail?.value ?? user.email;
        if (email !== user.email && this.users.some((u) => u.email === email)) return false;
        const groups = op.groups === undefined ? user.groups : this.groupsOf(op.groups);
        if (groups === undefined) return false;
        user.email = email;
        user.name = op.name?.value ?? user.name;
        user.groups = groups;
        return true;
      }
      case 'USER_DELETED': {
        const user = this.user(op.user);
        if (user === undefined) return false;
        this.users = this.users.filter((u) => u !== user);
        return true;
      }
      case 'MALFORMED':
        return false;
    }
  }

  /** The directory, sorted as the CLI sorts it. */
  directory(): DirectoryJson {
    const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const nameOf = new Map(this.groups.map((g) => [g.key, g.name]));
    return {
      users: this.users
        .map((u) => ({
          email: u.email,
          name: u.name,
          groups: [...u.groups].map((k) => nameOf.get(k) ?? '?').sort(byText),
          id: sha256(u.email),
        }))
        .sort((a, b) => byText(a.email, b.email)),
      groups: this.groups
        .map((g) => ({
          name: g.name,
          members: this.users
            .filter((u) => u.groups.has(g.key))
            .map((u) => u.email)
            .sort(byText),
          id: sha256(g.name),
        }))
        .sort((a, b) => byText(a.name, b.name)),
    };
  }
}
