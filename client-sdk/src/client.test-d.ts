import { describe, expectTypeOf, it } from 'vitest';
import {
  createClient,
  CodedError,
  type LiveShopClient,
  type Room,
  type RoomView,
} from './index.js';
import { publish, watch, type Publication, type Viewing } from './media/index.js';
import type {
  ChatMessage,
  ClaimResult,
  ClientRequest,
  ErrorCode,
  ServerPayload,
  StreamInfo,
} from './protocol/index.js';

declare const client: LiveShopClient;
declare const room: Room;

describe('SDK types come from the protocol schemas', () => {
  it('createClient takes a url and a token (string or async getter)', () => {
    expectTypeOf(createClient).parameter(0).toHaveProperty('url').toEqualTypeOf<string>();
    expectTypeOf(
      createClient({ url: 'x', token: () => Promise.resolve('t') }),
    ).toEqualTypeOf<LiveShopClient>();
    // @ts-expect-error url is required
    createClient({ token: 't' });
  });

  it('join gives a room handle whose features return the protocol results', () => {
    expectTypeOf(client.join('r')).resolves.toEqualTypeOf<Room>();
    expectTypeOf(room.state).toEqualTypeOf<RoomView>();
    expectTypeOf(room.state.stream).toEqualTypeOf<StreamInfo>();
    expectTypeOf(room.chat.send('hi')).resolves.toEqualTypeOf<
      | { status: 'published'; id: string; seq: number }
      | { status: 'held'; id: string; reason: string }
    >();
    expectTypeOf(room.drops.claim('d')).resolves.toEqualTypeOf<ClaimResult>();
    expectTypeOf(client.createStream('r', { title: 't' })).resolves.toEqualTypeOf<{
      seq: number;
      stream: StreamInfo;
    }>();
    expectTypeOf(client.serverTimeOffset()).toEqualTypeOf<number>();
    // @ts-expect-error not a reaction kind
    void room.reactions.send('poop');
    // @ts-expect-error title is required
    void room.stream.update({ description: 'd' });
  });

  it('room events are typed by their protocol names', () => {
    room.on('chat:message', (message) => {
      expectTypeOf(message).toEqualTypeOf<ChatMessage>();
    });
    room.on('room:viewers', (event) => {
      expectTypeOf(event).toEqualTypeOf<ServerPayload<'room:viewers'>>();
      expectTypeOf(event.count).toEqualTypeOf<number>();
    });
    room.on('stream:updated', (event) => {
      expectTypeOf(event.stream.state).toEqualTypeOf<'scheduled' | 'live' | 'ended'>();
    });
    room.on('reaction:batch', (event) => {
      expectTypeOf(event.counts.heart).toEqualTypeOf<number | undefined>();
    });
    room.on('room:state', (state) => expectTypeOf(state).toEqualTypeOf<RoomView>());
    // @ts-expect-error no such event
    room.on('chatt', () => undefined);
    // @ts-expect-error room events are on rooms
    client.on('chat:message', () => undefined);
  });

  it('media takes a room handle', () => {
    expectTypeOf(watch(room, null)).resolves.toEqualTypeOf<Viewing>();
    expectTypeOf(publish).returns.resolves.toEqualTypeOf<Publication>();
  });

  it('request payloads and errors are typed', () => {
    expectTypeOf<ClientRequest<'chat:set-slow-mode'>>().toEqualTypeOf<{
      roomId: string;
      seconds: number;
    }>();
    expectTypeOf(client.request('time:sync', {})).resolves.toEqualTypeOf<{ serverTime: number }>();
    expectTypeOf<CodedError['code']>().toEqualTypeOf<ErrorCode>();
  });
});
