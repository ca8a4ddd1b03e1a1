import { describe, expect, it } from 'vitest';
import type { StreamRoom } from '../rooms/index.js';
import { TickLoop } from './tick-loop.js';

/** A room that counts its ticks and asks for `more` further ones; `settled` resolves after the last. */
function fakeRoom(more = 0) {
  let left = more;
  let settle = () => {};
  const room = {
    ticks: 0,
    settled: new Promise<void>((resolve) => (settle = resolve)),
    tick() {
      room.ticks++;
      const again = left-- > 0;
      if (!again) settle();
      return again;
    },
  };
  return room;
}

const asRoom = (r: ReturnType<typeof fakeRoom>) => r as unknown as StreamRoom;

describe('TickLoop', () => {
  it('visits only rooms that asked, once per tick, and arms no timer when idle', async () => {
    const loop = new TickLoop(10, () => undefined);
    const busy = fakeRoom(2);
    const idle = fakeRoom();
    expect(loop.pending).toBe(0);
    loop.wake(asRoom(busy));
    loop.wake(asRoom(busy));
    await busy.settled;
    expect(busy.ticks).toBe(3);
    expect(idle.ticks).toBe(0);
    expect(loop.pending).toBe(0);
    loop.stop();
  });

  it('keeps going when a room throws, and reports it', () => {
    const failures: unknown[] = [];
    const loop = new TickLoop(10, (_room, error) => failures.push(error));
    const bad = {
      tick: () => {
        throw new Error('boom');
      },
    } as unknown as StreamRoom;
    const good = fakeRoom();
    loop.wake(bad);
    loop.wake(asRoom(good));
    loop.flush();
    expect(failures).toHaveLength(1);
    expect(good.ticks).toBe(1);
    loop.stop();
  });

  it('runs at most once per tick: wakes within a tick wait for its end', () => {
    let now = 1000;
    const loop = new TickLoop(
      50,
      () => undefined,
      () => now,
    );
    const room = fakeRoom();
    loop.wake(asRoom(room));
    loop.flush();
    expect(room.ticks).toBe(1);
    now += 10;
    loop.wake(asRoom(room));
    expect(loop.pending).toBe(1);
    loop.stop();
  });
});
