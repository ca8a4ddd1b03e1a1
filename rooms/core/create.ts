import type { RoomEventInput } from '../../client-sdk/src/protocol/index.js';
import type { ControlState } from '../model/control.js';
import { roleIn, type Identity } from '../model/identity.js';
import { initialControl } from '../model/room-state.js';
import type { HistoryPort } from '../ports/history.js';
import { newStream } from '../stream/decisions.js';
import type { StreamFields } from './context.js';

/**
 * Lifecycle: creates the shared room with its first event unless one exists (an ended room kept
 * for late viewers is replaced only by its own host, or by whoever hosts any room). True when
 * this call created it.
 */
export async function createRoom(
  roomId: string,
  fields: StreamFields,
  host: Identity,
  ctx: { readonly engine: { readonly history: HistoryPort }; newId(): string },
): Promise<boolean> {
  const stream = newStream(fields, host.id);
  const first: RoomEventInput = { type: 'stream:updated', roomId, stream };
  const record = { epoch: ctx.newId(), control: initialControl(stream), version: 1 };
  const hostsAny = roleIn(host, { id: roomId, hostId: '' }) === 'host';
  const { created } = await ctx.engine.history.create(
    roomId,
    record,
    first,
    hostsAny ? null : host.id,
  );
  return created;
}

/** Puts back a room the store lost, in a new epoch, from the control state this node knows. */
export async function recreateRoom(
  roomId: string,
  control: ControlState,
  ctx: { readonly engine: { readonly history: HistoryPort }; newId(): string },
): Promise<void> {
  const first: RoomEventInput = { type: 'stream:updated', roomId, stream: control.stream };
  await ctx.engine.history.create(roomId, { epoch: ctx.newId(), control, version: 1 }, first);
}
