import { ShieldSettings } from '../../client-sdk/src/protocol/index.js';
import type { ActorHandlers } from './context.js';
import { onRoom } from './room.js';

/** The moderators' tools; actor handlers, so the HTTP API runs them too. */
export const moderationHandlers: ActorHandlers<
  | 'moderation:held'
  | 'moderation:review'
  | 'moderation:sanction'
  | 'moderation:lift'
  | 'moderation:sanctions'
  | 'moderation:purge'
  | 'moderation:report'
  | 'moderation:reports'
  | 'moderation:dismiss'
  | 'moderation:role'
  | 'room:shield'
  | 'room:admission'
> = {
  'room:admission': (actor, { roomId, ...req }, services) =>
    onRoom(services, roomId, (room) => room.admission.set(actor.identity, req)),

  'room:shield': (actor, { roomId, on, settings, reason }, services) =>
    onRoom(services, roomId, (room) =>
      room.shield.set(actor.identity, on, settings ?? ShieldSettings.parse({}), reason),
    ),

  'moderation:held': (actor, { roomId }, services) =>
    onRoom(services, roomId, async (room) => ({
      held: await room.moderation.held(actor.identity),
    })),

  'moderation:review': (actor, { roomId, messageId, approve, reason }, services) =>
    onRoom(services, roomId, (room) =>
      room.moderation.review(actor.identity, messageId, approve, reason, (entry) =>
        room.chat.publishHeld(entry),
      ),
    ),

  'moderation:sanction': (actor, { roomId, ...req }, services) =>
    onRoom(services, roomId, async (room) => ({
      sanction: await room.moderation.sanction(actor.identity, req),
    })),

  'moderation:lift': (actor, { roomId, ...req }, services) =>
    onRoom(services, roomId, async (room) => ({
      lifted: await room.moderation.lift(actor.identity, req),
    })),

  'moderation:sanctions': (actor, { roomId }, services) =>
    onRoom(services, roomId, async (room) => ({
      sanctions: await room.moderation.sanctions(actor.identity),
    })),

  'moderation:report': (actor, { roomId, messageId, reason }, services) =>
    onRoom(services, roomId, (room) => room.chat.report(actor.identity, messageId, reason)),

  'moderation:reports': (actor, { roomId }, services) =>
    onRoom(services, roomId, async (room) => ({
      reports: await room.moderation.reports.list(actor.identity),
    })),

  'moderation:dismiss': (actor, { roomId, messageId }, services) =>
    onRoom(services, roomId, (room) => room.moderation.reports.dismiss(actor.identity, messageId)),

  'moderation:role': (actor, { roomId, userId, role }, services) =>
    onRoom(services, roomId, (room) => room.moderation.setRole(actor.identity, userId, role)),

  'moderation:purge': (actor, { roomId, userId }, services) =>
    onRoom(services, roomId, (room) => room.chat.purge(actor.identity, userId)),
};
