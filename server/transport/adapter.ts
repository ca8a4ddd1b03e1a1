import { Adapter, type BroadcastOptions, type Room, type SocketId } from 'socket.io-adapter';
import type { WebSocket as UwsWebSocket } from 'uWebSockets.js';
import type { TemplatedApp } from './uws.js';

/**
 * The in-memory adapter's own methods, taken when this module loads, before any `attachApp` call
 * patches the prototype (socket.io does that for the last app attached, and undoes it on close).
 */
/* eslint-disable @typescript-eslint/unbound-method -- each is called with .call(this) */
const original = {
  addAll: Adapter.prototype.addAll,
  del: Adapter.prototype.del,
  broadcast: Adapter.prototype.broadcast,
};
/* eslint-enable @typescript-eslint/unbound-method */

/** socket.io's topic for a room: `${namespace}\x1f${room}` (the same as its own uWS module). */
const SEPARATOR = '\x1f';

/** The parts of a socket.io socket this adapter touches (socket.io types them as private). */
interface RawSocket {
  conn: {
    readyState: string;
    transport: { name: string; socket?: UwsWebSocket<unknown> };
    once(event: 'upgrade', listener: () => void): void;
  };
  client: {
    writeToEngine(
      packets: unknown[],
      opts: { preEncoded: boolean; volatile?: boolean | undefined; compress?: boolean | undefined },
    ): void;
  };
}

interface AdapterInternals {
  nsp: {
    name: string;
    sockets: Map<SocketId, RawSocket>;
    _preConnectSockets?: Map<SocketId, RawSocket>;
  };
  encoder: { encode(packet: unknown): (string | Buffer)[] };
}

/** Told of every broadcast that took uWS's native publish path. */
export interface PublishObserver {
  nativePublish(topic: string): void;
  /** Every broadcast's packet data (`[event, ...args]`), whichever path it takes. */
  broadcast?(data: unknown): void;
}

export type AdapterClass = typeof Adapter;

/**
 * An adapter that publishes single-room broadcasts through uWS's native pub/sub (fan-out in C++),
 * bound to one uWS app.
 *
 * socket.io's own uWS support does the same by patching `Adapter.prototype` for the last app that
 * called `attachApp`, and restores it when any server closes: with two servers in one process the
 * first publishes into the second's app, and closing one silently moves the other off the native
 * path. This subclass carries its app with it and calls the unpatched methods, so the prototype's
 * state does not matter.
 * It also remembers which sockets are still on HTTP long-polling, so a broadcast walks only those
 * instead of every socket of the room.
 */
export function uwsAdapter(app: TemplatedApp, observer: PublishObserver): AdapterClass {
  return class UwsAdapter extends Adapter {
    private readonly polling = new Set<SocketId>();

    override addAll(id: SocketId, rooms: Set<Room>): void {
      const isNew = !this.sids.has(id);
      void original.addAll.call(this, id, rooms);
      const socket = this.socket(id);
      if (!socket) return;
      const ws = openWebSocket(socket);
      if (ws) {
        subscribe(ws, this.nspName, withoutOwnRoom(rooms, id), isNew);
      } else if (isNew && socket.conn.transport.name !== 'websocket') {
        this.polling.add(id);
        socket.conn.once('upgrade', () => {
          this.polling.delete(id);
          const joined = this.sids.get(id);
          const upgraded = openWebSocket(socket);
          if (joined && upgraded)
            subscribe(upgraded, this.nspName, withoutOwnRoom(joined, id), true);
        });
      }
    }

    override del(id: SocketId, room: Room): void {
      void original.del.call(this, id, room);
      const socket = this.socket(id);
      const ws = socket && openWebSocket(socket);
      ws?.unsubscribe(`${this.nspName}${SEPARATOR}${room}`);
    }

    override delAll(id: SocketId): void {
      this.polling.delete(id);
      super.delAll(id);
    }

    override broadcast(packet: { nsp?: string; data?: unknown }, opts: BroadcastOptions): void {
      observer.broadcast?.(packet.data);
      const room = opts.rooms.values().next().value;
      // a socket's own room has no uWS topic (see withoutOwnRoom): it takes the JS path
      if (
        opts.rooms.size > 1 ||
        (opts.except?.size ?? 0) > 0 ||
        (room !== undefined && this.sids.has(room))
      ) {
        original.broadcast.call(this, packet, opts);
        return;
      }
      packet.nsp = this.nspName;
      const encoded = this.internals.encoder.encode(packet);
      const topic = room === undefined ? this.nspName : `${this.nspName}${SEPARATOR}${room}`;
      for (const frame of encoded) {
        // "4" is the Engine.IO message type; binary attachments go as they are.
        if (typeof frame === 'string') app.publish(topic, `4${frame}`, false);
        else app.publish(topic, frame, true);
      }
      observer.nativePublish(topic);
      if (this.polling.size > 0) this.writeToPolling(encoded, room, opts);
    }

    private writeToPolling(
      encoded: unknown[],
      room: Room | undefined,
      opts: BroadcastOptions,
    ): void {
      const packetOpts = {
        preEncoded: true,
        volatile: opts.flags?.volatile,
        compress: opts.flags?.compress,
      };
      for (const sid of this.polling) {
        if (room !== undefined && !this.sids.get(sid)?.has(room)) continue;
        this.socket(sid)?.client.writeToEngine(encoded, packetOpts);
      }
    }

    private get internals(): AdapterInternals {
      return this as unknown as AdapterInternals;
    }

    private get nspName(): string {
      return this.internals.nsp.name;
    }

    private socket(id: SocketId): RawSocket | undefined {
      const { nsp } = this.internals;
      return nsp.sockets.get(id) ?? nsp._preConnectSockets?.get(id);
    }
  };
}

function openWebSocket(socket: RawSocket): UwsWebSocket<unknown> | undefined {
  const { conn } = socket;
  if (conn.readyState !== 'open' || conn.transport.name !== 'websocket') return undefined;
  return conn.transport.socket;
}

/**
 * socket.io puts every socket in a room named by its id. We never broadcast to those, and a uWS
 * topic per connection costs native memory on every one of thousands of sockets, so they get no
 * topic; a broadcast to one takes socket.io's JS path instead.
 */
function withoutOwnRoom(rooms: Set<Room>, id: SocketId): Set<Room> {
  if (!rooms.has(id)) return rooms;
  const others = new Set(rooms);
  others.delete(id);
  return others;
}

function subscribe(ws: UwsWebSocket<unknown>, nsp: string, rooms: Set<Room>, isNew: boolean): void {
  if (isNew) ws.subscribe(nsp);
  for (const room of rooms) ws.subscribe(`${nsp}${SEPARATOR}${room}`);
}
