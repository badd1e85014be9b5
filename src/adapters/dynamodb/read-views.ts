/** What the read API returns: pages and the views of users, groups and members (never a password hash). */

/** One page of a list, and the cursor of the next page while more remain. */
export interface Page<T> {
  readonly items: T[];
  readonly next?: string;
}

/** A user as the read API shows it (never the password hash). */
export interface UserView {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly groups: string[];
}

/** A group as the read API shows it. */
export interface GroupView {
  readonly id: string;
  readonly name: string;
  readonly memberCount: number;
}

/** A group's member as the read API shows it. */
export interface MemberView {
  readonly id: string;
  readonly email: string;
  readonly name: string;
}
