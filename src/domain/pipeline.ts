import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import * as TE from 'fp-ts/TaskEither';
import { claimedKinds, decodeCommand, parseJson, type Command, type HashedCommand } from './commands';
import { EVENT_SCHEMA, type CommandEvent } from './events';
import type { PasswordHasher } from './password';
import { checkBodySize } from './body';
import { capReasons, type Reason } from './reasons';

/** A command refused for what it says: stored with its reasons, never retried. */
export interface Rejected {
  readonly kind: 'rejected';
  readonly eventType: string | null;
  readonly entityType: string | null;
  readonly reasons: readonly Reason[];
}

/** A failure that is not the command's fault (e.g. the KDF failed): the message is retried. */
export interface Transient {
  readonly kind: 'transient';
  readonly error: Error;
}

/** Why the pipeline produced no event. */
export type PipelineFailure = Rejected | Transient;

/** What the input message carried besides its body. */
export interface MessageMeta {
  readonly commandId: string;
  readonly sentAt: string;
}

/** Replaces a command's plaintext password (if any) by its hash. */
export const hashCommand =
  (hasher: PasswordHasher) =>
  (command: Command): TE.TaskEither<Error, HashedCommand> => {
    if (!('password' in command) || command.password === undefined) return TE.right(command as HashedCommand);
    const { password, ...rest } = command;
    return pipe(
      hasher.hash(password),
      TE.map((passwordHash) => ({ ...rest, passwordHash }) as HashedCommand),
    );
  };

export { checkBodySize, MAX_BODY_BYTES } from './body';

export { MAX_REASONS } from './reasons';

/** raw body -> size check -> parse -> decode + normalize, without hashing (what the HTTP producer checks). */
export const validateBody = (body: string): E.Either<Rejected, Command> => {
  const parsed = pipe(checkBodySize(body), E.chain(parseJson));
  return pipe(
    parsed,
    E.chain(decodeCommand),
    E.mapLeft((reasons): Rejected => ({
      kind: 'rejected',
      ...(E.isRight(parsed) ? claimedKinds(parsed.right) : { eventType: null, entityType: null }),
      reasons: capReasons(reasons),
    })),
  );
};

/**
 * The message handler's pipeline: raw body -> parse -> decode -> normalize -> hash -> the event to
 * publish, or a rejection with every reason. Pure apart from the KDF behind the port.
 */
export const processMessage =
  (hasher: PasswordHasher) =>
  (body: string, meta: MessageMeta): TE.TaskEither<PipelineFailure, CommandEvent> =>
    pipe(
      TE.fromEither<PipelineFailure, Command>(validateBody(body)),
      TE.chain((command) =>
        pipe(
          hashCommand(hasher)(command),
          TE.mapLeft((error): PipelineFailure => ({ kind: 'transient', error })),
        ),
      ),
      TE.map((command) => ({
        schema: EVENT_SCHEMA,
        commandId: meta.commandId,
        sentAt: meta.sentAt,
        command,
      })),
    );
