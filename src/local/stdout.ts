/**
 * Ending the CLI without losing output: stdout to a pipe is asynchronous, so process.exit right
 * after the last write drops what has not drained yet (64 KiB of a larger --json document). A
 * reader that closes the pipe early (`| head -1`) is not an error: EPIPE ends the process quietly.
 */

/** Ends the process with `code` once everything written to stdout so far has been flushed. */
export const exitAfterDrain = (code: number): void => {
  process.exitCode = code;
  process.stdout.write('', () => process.exit(code));
};

/** A closed stdout (EPIPE) ends the process with exit 0 and nothing on stderr. */
export const quietOnClosedStdout = (): void => {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
};
