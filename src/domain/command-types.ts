/** The command vocabulary: event and entity types, and the validated command shapes. */
import type { GroupRef, UserRef } from './fields';

/** The six event types of the original system. */
export const EVENT_TYPES = [
  'GROUP_CREATED',
  'GROUP_UPDATED',
  'GROUP_DELETED',
  'USER_CREATED',
  'USER_UPDATED',
  'USER_DELETED',
] as const;
/** One of the six event types. */
export type EventType = (typeof EVENT_TYPES)[number];
/** The two entity types. */
export const ENTITY_TYPES = ['GROUP', 'USER'] as const;
/** USER or GROUP. */
export type EntityType = (typeof ENTITY_TYPES)[number];

/** A validated, normalized command. `password` is plaintext here and is hashed before it leaves the handler. */
export type Command =
  | { readonly type: 'GROUP_CREATED'; readonly name: string }
  | { readonly type: 'GROUP_UPDATED'; readonly group: GroupRef; readonly name: string }
  | { readonly type: 'GROUP_DELETED'; readonly group: GroupRef }
  | {
      readonly type: 'USER_CREATED';
      readonly name: string;
      readonly email: string;
      readonly password: string;
      readonly groups: readonly GroupRef[];
    }
  | {
      readonly type: 'USER_UPDATED';
      readonly user: UserRef;
      readonly name?: string;
      readonly email?: string;
      readonly password?: string;
      readonly groups?: readonly GroupRef[];
    }
  | { readonly type: 'USER_DELETED'; readonly user: UserRef };

/** A command whose plaintext password was replaced by a PHC hash string. */
export type HashedCommand = Command extends infer C
  ? C extends { readonly password: string }
    ? Omit<C, 'password'> & { readonly passwordHash: string }
    : C extends { readonly password?: string }
      ? Omit<C, 'password'> & { readonly passwordHash?: string }
      : C
  : never;

/** True for one of the six event types (never for an inherited property name such as `constructor`). */
export const isEventType = (u: unknown): u is EventType =>
  typeof u === 'string' && (EVENT_TYPES as readonly string[]).includes(u);
