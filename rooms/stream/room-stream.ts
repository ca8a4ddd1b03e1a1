import type { StreamInfo } from '../../client-sdk/src/protocol/index.js';
import type { StreamFields } from '../core/context.js';
import type { RoomScope } from '../core/scope.js';
import { assertRole, type Identity } from '../model/identity.js';
import * as decide from './decisions.js';

/** A stream's lifecycle, run by its host: edit, go live, end (an ended room is kept a while, then forgotten). */
export class RoomStream {
  constructor(private readonly room: RoomScope) {}

  get info(): StreamInfo {
    return this.room.state.stream;
  }

  /** Edits the stream's fields; allowed until it ends. */
  async update(
    identity: Identity,
    fields: StreamFields,
  ): Promise<{ seq: number; stream: StreamInfo }> {
    assertRole(identity, this.room, 'host', 'edit the stream');
    const { seq } = await this.room.control((s) => decide.editStream(s, this.room.id, fields));
    return { seq, stream: this.room.state.stream };
  }

  start(identity: Identity): Promise<{ seq: number }> {
    assertRole(identity, this.room, 'host', 'start the stream');
    return this.room.control((s) => decide.startStream(s, this.room.id, this.room.now()));
  }

  async end(identity: Identity): Promise<{ seq: number }> {
    assertRole(identity, this.room, 'host', 'end the stream');
    const { room } = this;
    const result = await room.control((s) => decide.endStream(s, room.id, room.now()));
    await room.engine.history.retire(room.id, room.epoch, room.limits.retainEndedMs);
    return result;
  }
}
