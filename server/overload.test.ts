import { describe, expect, it } from 'vitest';
import { Overload, SHED_ORDER, Trickle, type OverloadLimits, type ShedStep } from './overload.js';

const LIMITS: OverloadLimits = {
  enabled: true,
  sampleMs: 100,
  lagMs: 100,
  cpu: 0.9,
  slowSockets: 0.2,
  releaseMs: 1000,
  chatBudgetPerTick: 5,
  replayLimit: 50,
  admitPerSecond: 10,
};
const HOT = { lagMs: 250, cpu: 0.5, slowSockets: 0 };
const WARM = { lagMs: 80, cpu: 0.5, slowSockets: 0 };
const CALM = { lagMs: 10, cpu: 0.2, slowSockets: 0 };

function overload(limits: Partial<OverloadLimits> = {}) {
  const changes: [ShedStep, boolean][] = [];
  const o = new Overload({ ...LIMITS, ...limits }, (step, engaged) =>
    changes.push([step, engaged]),
  );
  return { o, changes };
}

describe('Overload', () => {
  it('engages one step per overloaded sample, cheapest first, and stops at the last', () => {
    const { o, changes } = overload();
    for (let i = 0; i < 7; i++) o.observe(HOT, i * 100);
    expect(changes).toEqual(SHED_ORDER.map((step) => [step, true]));
    expect(o.engaged).toBe(5);
    expect(SHED_ORDER.every((step) => o.sheds(step))).toBe(true);
  });

  it('lag or slow sockets over their limit is overload; a busy core only once the loop lags', () => {
    const { o: busy } = overload();
    busy.observe({ lagMs: 10, cpu: 1, slowSockets: 0 }, 0);
    expect(busy.engaged).toBe(0);
    for (const sample of [
      { lagMs: 100, cpu: 0, slowSockets: 0 },
      { lagMs: 50, cpu: 0.95, slowSockets: 0 },
      { lagMs: 0, cpu: 0, slowSockets: 0.5 },
    ]) {
      const { o } = overload();
      o.observe(sample, 0);
      expect(o.sheds('reactions')).toBe(true);
      expect(o.sheds('viewer_counts')).toBe(false);
    }
  });

  it('holds between the release mark and the limit, and releases in reverse after a calm spell each', () => {
    const { o, changes } = overload();
    o.observe(HOT, 0);
    o.observe(HOT, 100);
    o.observe(HOT, 200);
    changes.length = 0;
    // warm: not overloaded, not calm: nothing changes however long it lasts
    for (let t = 300; t < 5000; t += 100) o.observe(WARM, t);
    expect(o.engaged).toBe(3);
    // calm: one step back per second of calm
    let t = 5000;
    for (; o.engaged > 0; t += 100) o.observe(CALM, t);
    expect(changes).toEqual([
      ['chat', false],
      ['viewer_counts', false],
      ['reactions', false],
    ]);
    // each release took a whole calm spell: three spells of 1000 ms
    expect(t - 5000).toBeGreaterThanOrEqual(3000);
  });

  it('a warm sample in a calm spell starts the spell over', () => {
    const { o } = overload();
    o.observe(HOT, 0);
    o.observe(CALM, 100);
    o.observe(CALM, 900);
    o.observe(WARM, 1000);
    o.observe(CALM, 1100);
    o.observe(CALM, 2000);
    expect(o.engaged).toBe(1);
    o.observe(CALM, 2100);
    expect(o.engaged).toBe(0);
  });

  it('disabled, it measures but never sheds', () => {
    const { o, changes } = overload({ enabled: false });
    o.observe(HOT, 0);
    o.observe(HOT, 100);
    expect(o.engaged).toBe(0);
    expect(o.sample).toEqual(HOT);
    expect(changes).toEqual([]);
  });
});

describe('Trickle', () => {
  const clock = { now: 0 };
  const half = () => 0.5;

  it('lets in a second of its rate at once, then its rate', () => {
    clock.now = 0;
    const trickle = new Trickle(10, 500, 5000, () => clock.now, half);
    const letIn = (n: number) => Array.from({ length: n }, () => trickle.take()).filter(Boolean);
    expect(letIn(25)).toHaveLength(10);
    clock.now += 500;
    expect(letIn(25)).toHaveLength(5);
    clock.now += 10_000;
    expect(letIn(25)).toHaveLength(10);
  });

  it('lets in nobody at 0', () => {
    const trickle = new Trickle(0, 500, 5000, () => clock.now, half);
    for (let i = 0; i < 100; i++) expect(trickle.take()).toBe(false);
  });

  it("spreads the refused's waits over what the rate needs to let them all in", () => {
    clock.now = 0;
    const trickle = new Trickle(
      10,
      500,
      5000,
      () => clock.now,
      () => 1,
    );
    // the first few: the base and the release spell
    expect(trickle.retryAfterMs()).toBe(5500);
    // the 200th refused in the same second: 20 s of the rate
    for (let i = 0; i < 198; i++) trickle.retryAfterMs();
    expect(trickle.retryAfterMs()).toBe(20_500);
    // a new second starts counting again
    clock.now += 1000;
    expect(trickle.retryAfterMs()).toBe(5500);
  });
});
