import type { Author, Role } from '../client-sdk/src/protocol/index.js';
import { RoomError } from './errors.js';

/** Who a connection is, as established by authentication. */
export interface Identity {
  readonly id: string;
  readonly name: string;
  readonly anonymous: boolean;
  /** Role everywhere unless `roomRoles` says otherwise for a room. */
  readonly role: Role;
  readonly roomRoles: Readonly<Record<string, Role>>;
  readonly region: string | null;
  readonly language: string | null;
}

/** A user's role in one room: the per-room grant if any, else the global role. */
export function roleIn(identity: Identity, roomId: string): Role {
  return Object.hasOwn(identity.roomRoles, roomId)
    ? (identity.roomRoles[roomId] ?? identity.role)
    : identity.role;
}

const rank: Record<Role, number> = { viewer: 0, moderator: 1, host: 2 };

/** Throws unless the user may write (is not anonymous). */
export function assertCanWrite(identity: Identity): void {
  if (identity.anonymous)
    throw new RoomError('AUTH_REQUIRED', 'Sign in to take part; anonymous viewers can only watch');
}

/** Throws unless the user holds at least `min` in the room. */
export function assertRole(identity: Identity, roomId: string, min: Role, action: string): void {
  assertCanWrite(identity);
  if (rank[roleIn(identity, roomId)] < rank[min]) {
    throw new RoomError(
      'FORBIDDEN',
      `Only a ${min === 'moderator' ? 'host or moderator' : min} can ${action}`,
    );
  }
}

/** Whether a role moderates a room (exempt from slow mode, may delete and pin). */
export const isStaff = (role: Role): boolean => rank[role] >= rank.moderator;

/** The public face of an identity in a room. */
export function authorOf(identity: Identity, roomId: string): Author {
  return { id: identity.id, name: identity.name, role: roleIn(identity, roomId) };
}
