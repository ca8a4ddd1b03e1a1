import { CodedError, type Sanction } from '../../client-sdk/src/protocol/index.js';
import { GLOBAL_SCOPE } from '../ports/moderation.js';

/** Why a user under these sanctions may not write or bid here (BANNED, TIMED_OUT), if they may not. */
export function sanctionError(sanctions: readonly Sanction[], now: number): CodedError | null {
  const ban = sanctions.find((s) => s.kind === 'ban');
  if (ban) return banned(ban);
  const timeout = sanctions.find((s) => s.kind === 'timeout');
  if (!timeout) return null;
  const reason = timeout.reason ? ` (${timeout.reason})` : '';
  return new CodedError(
    'TIMED_OUT',
    `You are timed out in this room${reason}`,
    (timeout.until ?? now) - now,
  );
}

export const banned = (ban: Sanction) =>
  new CodedError(
    'BANNED',
    `You are banned from ${ban.scope === GLOBAL_SCOPE ? 'every room' : 'this room'}${ban.reason ? ` (${ban.reason})` : ''}`,
  );
