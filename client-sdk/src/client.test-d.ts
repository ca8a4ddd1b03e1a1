import { describe, expectTypeOf, it } from 'vitest';
import { createClient, CodedError, type LiveShopClient } from './index.js';
import type {
  ChatMessage,
  ClientRequest,
  ErrorCode,
  RoomSnapshot,
  ServerPayload,
  StreamInfo,
} from './protocol/index.js';

declare const client: LiveShopClient;

describe('SDK types come from the protocol schemas', () => {
  it('createClient takes a url and a token (string or async getter)', () => {
    expectTypeOf(createClient).parameter(0).toHaveProperty('url').toEqualTypeOf<string>();
    expectTypeOf(
      createClient({ url: 'x', token: () => Promise.resolve('t') }),
    ).toEqualTypeOf<LiveShopClient>();
    // @ts-expect-error url is required
    createClient({ token: 't' });
  });

  it('methods return the protocol results', () => {
    expectTypeOf(client.join('r')).resolves.toEqualTypeOf<RoomSnapshot>();
    expectTypeOf(client.sendChat('r', 'hi')).resolves.toEqualTypeOf<{ id: string; seq: number }>();
    expectTypeOf(client.createStream('r', { title: 't' })).resolves.toEqualTypeOf<{
      seq: number;
      stream: StreamInfo;
    }>();
    expectTypeOf(client.serverTimeOffset()).toEqualTypeOf<number>();
    // @ts-expect-error not a reaction kind
    void client.react('r', 'poop');
    // @ts-expect-error title is required
    void client.createStream('r', { description: 'd' });
  });

  it('events are typed by name', () => {
    client.on('chat', (message) => {
      expectTypeOf(message).toEqualTypeOf<ChatMessage & { roomId: string }>();
    });
    client.on('viewers', (event) => {
      expectTypeOf(event).toEqualTypeOf<ServerPayload<'room:viewers'>>();
      expectTypeOf(event.count).toEqualTypeOf<number>();
    });
    client.on('stream', (event) => {
      expectTypeOf(event.stream.state).toEqualTypeOf<'scheduled' | 'live' | 'ended'>();
    });
    client.on('reactions', (event) => {
      expectTypeOf(event.counts.heart).toEqualTypeOf<number | undefined>();
    });
    // @ts-expect-error no such event
    client.on('chatt', () => undefined);
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
