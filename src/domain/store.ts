/**
 * The storage port of the directory: what the domain needs from a table, and the shapes it reads.
 * The DynamoDB adapter implements it; the handler tests drive the domain through fakes of it.
 */
import type { TaskEither } from 'fp-ts/TaskEither';
import type {
  CommandItem,
  EmailItem,
  GroupCanonicalItem,
  GroupItem,
  GroupNameItem,
  Key,
  UserItem,
} from './model';
import type { WriteOp } from './writes';

/** What a command needs read before it can be planned. */
export interface Lookup {
  /** Public group ids (name hashes) whose claim and group item to read. */
  readonly groupIds: readonly string[];
  /** Canonical name keys whose claim to read (is a name taken, ignoring case and width?). */
  readonly canonicalIds: readonly string[];
  /** Public user ids (email hashes) whose email claim to read. */
  readonly emailIds: readonly string[];
  /** The user the command names: its claim, item and memberships are read. */
  readonly userId?: string;
}

/** An active group found through its name claim. */
export interface GroupRecord {
  readonly claim: GroupNameItem;
  readonly group: GroupItem;
}

/** The user a command names, with the group keys of its memberships. */
export interface UserRecord {
  readonly user: UserItem;
  readonly memberships: readonly string[];
}

/** A consistent read of what a command needs: the planner's whole input besides the command. */
export interface View {
  /** Active groups by public id. */
  readonly groups: ReadonlyMap<string, GroupRecord>;
  /** Canonical name claims by canonical key. */
  readonly canonicalNames: ReadonlyMap<string, GroupCanonicalItem>;
  /** Email claims by public user id. */
  readonly emails: ReadonlyMap<string, EmailItem>;
  readonly user?: UserRecord;
}

/** The result of one transaction: done, or cancelled with the labels of the operations whose condition failed. */
export type TransactResult =
  | { readonly kind: 'committed' }
  | { readonly kind: 'cancelled'; readonly failed: readonly string[]; readonly conflict: boolean };

/** Whether a rejection record was written now, or one already existed for the command. */
export type RejectionWrite = 'stored' | 'duplicate';

/** Where rejection records go: the one way every stage records a refused command. */
export interface RejectionStore {
  /** Writes the record once; a second write for the same command id is a duplicate, not an error. */
  readonly recordRejection: (item: CommandItem) => TaskEither<Error, RejectionWrite>;
}

/** The port to the directory's storage. Left is a transient failure (the message is retried). */
export interface DirectoryStore extends RejectionStore {
  readonly getCommand: (commandId: string) => TaskEither<Error, CommandItem | undefined>;
  readonly load: (lookup: Lookup) => TaskEither<Error, View>;
  readonly transact: (ops: readonly WriteOp[]) => TaskEither<Error, TransactResult>;
  /** Up to `limit` membership keys of a group, read from the GSI. */
  readonly membershipsOfGroup: (groupKey: string, limit: number) => TaskEither<Error, readonly Key[]>;
}
