import { randomBytes } from 'node:crypto';

/**
 * Short ids unique across processes: a random per-generator prefix and a counter. They are for
 * naming (messages, room epochs), not secrets.
 */
export function idGenerator(): () => string {
  const prefix = randomBytes(6).toString('base64url');
  let counter = 0;
  return () => `${prefix}${(counter++).toString(36)}`;
}
