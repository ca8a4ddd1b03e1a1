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

/**
 * The unguessable part of a hold id: 96 random bits. A hold id is a capability its buyer shows at
 * checkout, so another buyer must not be able to guess it from their own.
 */
export function holdSecret(): string {
  return randomBytes(12).toString('base64url');
}
