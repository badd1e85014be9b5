import { createServer } from 'node:net';

/** A TCP port that is free on 127.0.0.1 right now. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

/** True when something already listens on 127.0.0.1:port. */
export const portTaken = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });

/**
 * Runs `start` on the given port, or on a free one; a free port can be taken by someone else before
 * the server binds it, so that case is tried again on another, up to three times.
 */
export const onPort = async <T>(
  port: number | undefined,
  start: (port: number) => Promise<T>,
): Promise<T> => {
  if (port !== undefined) return start(port);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start(await freePort());
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
};
