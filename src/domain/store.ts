/**
 * The storage port of the directory: what the domain needs from a table, and the shapes it reads.
 * The DynamoDB adapter implements it; the handler tests drive the domain through fakes of it.
 */
import type { TaskEither } from 'fp-ts/TaskEither';
import type {
  CommandItem,
  EmailItem,
  FormerClaimItem,
  GroupCanonicalItem,
  GroupItem,
  GroupNameItem,
  Key,
  SendOrder,
  UserState,
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
  /**
   * Read the user's item and memberships from its partition, not from its claim's snapshot: a
   * retry after a lost race does (the snapshot may list a membership a group deletion swept).
   */
  readonly userFromPartition?: boolean;
  /**
   * The command's send order. A group id or user id with no holder now, or one that got it after
   * this order, is looked up in its claim's history too: who held it at that order.
   */
  readonly order?: SendOrder;
  /** The command's id: its marker is read in the same request as the claims. */
  readonly commandId?: string;
}

/** What a group name named at the command's send order, when another group, or none, has it now. */
export interface FormerGroup {
  readonly former: FormerClaimItem;
  /** The group that held it, if it still exists and is active (renamed since). */
  readonly group?: GroupItem;
}

/** What the planners read of a group: the group item's fields that its name claim carries too. */
export type GroupState = Pick<
  GroupItem,
  'groupKey' | 'groupId' | 'name' | 'status' | 'nameOrder' | 'version'
>;

/** An active group found through its name claim. */
export interface GroupRecord {
  readonly claim: GroupNameItem;
  readonly group: GroupState;
}

/** A user holding an email another command claims, and whether the email it had before is unclaimed. */
export interface EmailHolder {
  readonly user: UserState;
  readonly previousFree: boolean;
  /** Whether the marker of the command that gave the user this email is there, APPLIED. */
  readonly laterApplied: boolean;
  /** The group keys of the user's memberships, when its claim's snapshot gave them. */
  readonly memberships?: readonly string[];
}

/** The user a command names, with the group keys of its memberships. */
export interface UserRecord {
  readonly user: UserState;
  readonly memberships: readonly string[];
  /** Found through the claim's history: the user held the email at the command's send order. */
  readonly formerly?: FormerClaimItem;
}

/** A consistent read of what a command needs: the planner's whole input besides the command. */
export interface View {
  /** True when the table has no `HeadsSinceItem` yet (the command's transaction writes it). */
  readonly headsSinceMissing?: boolean;
  /** The command's marker, when `Lookup.commandId` was given and it has one (done, or a deletion under way). */
  readonly marker?: CommandItem;
  /** Active groups by public id. */
  readonly groups: ReadonlyMap<string, GroupRecord>;
  /** Canonical name claims by canonical key. */
  readonly canonicalNames: ReadonlyMap<string, GroupCanonicalItem>;
  /** Email claims by public user id. */
  readonly emails: ReadonlyMap<string, EmailItem>;
  readonly user?: UserRecord;
  /** Group ids whose history covers the command's send order (see `Lookup.order`). */
  readonly formerGroups?: ReadonlyMap<string, FormerGroup>;
  /**
   * The users holding the emails a command claims (`emailIds`), when they took them after the
   * command was sent, each with whether the email it had before is free (see `plans/yield.ts`).
   */
  readonly emailHolders?: ReadonlyMap<string, EmailHolder>;
  /** The history entry of the user id, when the user that held it then was deleted since. */
  readonly formerUser?: FormerClaimItem;
}

/**
 * The history entry that covers a send order: the entity that held the claim then, if it gave it up
 * since. Entries never overlap for one claim (a claim has one holder at a time).
 */
export const coveringFormer = (
  entries: readonly FormerClaimItem[],
  order: SendOrder | undefined,
): FormerClaimItem | undefined =>
  order === undefined
    ? undefined
    : [...entries]
        .sort((a, b) => (a.retiredOrder < b.retiredOrder ? -1 : 1))
        .find((e) => e.retiredOrder > order && (e.claimedOrder === undefined || e.claimedOrder < order));

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
  /**
   * A store for one batch whose commands' first reads (`firstReadOf`) were made together, in one
   * request: a command's view uses them unless a command before it in the batch wrote one of its
   * keys (then it reads again). Optional: a store without it reads each command on its own.
   */
  readonly forBatch?: (lookups: readonly Lookup[]) => TaskEither<Error, DirectoryStore>;
}
