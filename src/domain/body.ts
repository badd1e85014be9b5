/** The bound on every message body, checked before any parsing. */
import * as E from 'fp-ts/Either';
import { fail, type Validation } from './reasons';

/** Largest message body accepted at any entry (HTTP, input queue, published event), in UTF-8 bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Refuses a body over `MAX_BODY_BYTES` before any parsing: the work per message stays bounded. */
export const checkBodySize = (body: string): Validation<string> => {
  const bytes = Buffer.byteLength(body, 'utf8');
  return bytes > MAX_BODY_BYTES
    ? fail('body', `is larger than ${MAX_BODY_BYTES} bytes (got ${bytes})`)
    : E.right(body);
};
