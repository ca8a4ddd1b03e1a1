import { describe, expect, it } from 'vitest';
import { protocolChecker } from './helpers/protocol-check.js';

describe('the outgoing-protocol check of the test servers', () => {
  it('passes what the schemas describe and flags every kind of drift', () => {
    const { observer, problems } = protocolChecker();
    observer.event('room:viewers', { roomId: 'r', seq: 3, count: 2 });
    observer.ack('time:sync', { ok: true, serverTime: 5 });
    observer.ack('nonsense', {
      ok: false,
      error: { code: 'UNKNOWN_EVENT', message: 'x', retryable: false },
    });
    expect(problems).toEqual([]);

    observer.event('room:viewers', { roomId: 'r', seq: 3, count: -1 });
    observer.event('room:viewers', { roomId: 'r', seq: 3, count: 2, secret: true });
    observer.event('room:gossip', {});
    observer.ack('time:sync', { ok: true, serverTime: 'soon' });
    observer.ack('time:sync', {
      ok: false,
      error: { code: 'NOPE', message: 'x', retryable: false },
    });
    observer.ack('time:sync', { serverTime: 5 });
    expect(problems).toHaveLength(6);
    expect(problems[0]).toMatch(/event room:viewers fails its schema \(count/);
    expect(problems[1]).toMatch(/differs from its schema/);
    expect(problems[2]).toMatch(/not in serverEvents/);
  });
});
