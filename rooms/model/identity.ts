import type { Author, GlobalRole, Role } from '../../client-sdk/src/protocol/index.js';
import { CodedError } from '../../client-sdk/src/protocol/index.js';

/** Who a connection is, as established by authentication. */
export interface Identity {
  readonly id: string;
  readonly name: string;
  readonly anonymous: boolean;
  /** The token's global role; `roomRoles` grants roles in named rooms. */
  readonly role: GlobalRole;
  readonly roomRoles: Readonly<Record<string, Role>>;
  readonly region: string | null;
  readonly language: string | null;
  /** When the account was created (the token's `created`, epoch ms); null or absent: not said. */
  readonly accountCreatedAt?: number | null;
  /** The token says the user has bought before (moderation trusts buyers more). */
  readonly buyer?: boolean;
}

/** A room as roles see it: its id and the host who created it (null: it does not exist yet). */
export interface RoomRef {
  readonly id: string;
  readonly hostId: string | null;
  /** Users its host made moderators of it. */
  readonly moderators?: readonly string[];
}

/**
 * A user's role in one room. An `admin` hosts every room; a grant in the token's `rooms` claim
 * applies to its room; a global `host` hosts the rooms it created (and may create new ones) and
 * is a viewer in other hosts' rooms; a global `moderator` moderates every room.
 */
export function roleIn(identity: Identity, room: RoomRef): Role {
  if (identity.role === 'admin') return 'host';
  if (Object.hasOwn(identity.roomRoles, room.id)) {
    const granted = identity.roomRoles[room.id] ?? 'viewer';
    return granted === 'viewer' && room.moderators?.includes(identity.id) ? 'moderator' : granted;
  }
  const base =
    identity.role === 'host'
      ? room.hostId === null || room.hostId === identity.id
        ? 'host'
        : 'viewer'
      : identity.role;
  return base === 'viewer' && room.moderators?.includes(identity.id) ? 'moderator' : base;
}

const rank: Record<Role, number> = { viewer: 0, moderator: 1, host: 2 };

/** Throws unless the user may write (is not anonymous). */
export function assertCanWrite(identity: Identity): void {
  if (identity.anonymous)
    throw new CodedError('AUTH_REQUIRED', 'Sign in to take part; anonymous viewers can only watch');
}

/** Throws unless the user holds at least `min` in the room. */
export function assertRole(identity: Identity, room: RoomRef, min: Role, action: string): void {
  assertCanWrite(identity);
  if (rank[roleIn(identity, room)] >= rank[min]) return;
  const owned = min === 'host' && identity.role === 'host' && room.hostId !== null;
  throw new CodedError(
    'FORBIDDEN',
    owned
      ? `This room belongs to another host; only its host (or an admin) can ${action}`
      : `Only a ${min === 'moderator' ? 'host or moderator' : min} can ${action}`,
  );
}

/** Whether a role moderates a room (exempt from slow mode, may delete and pin). */
export const isStaff = (role: Role): boolean => rank[role] >= rank.moderator;

/** The public face of an identity in a room. */
export function authorOf(identity: Identity, room: RoomRef): Author {
  return { id: identity.id, name: identity.name, role: roleIn(identity, room) };
}
