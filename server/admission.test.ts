import { describe, expect, it } from 'vitest';
import { Admission, connectionCapFor, openFileLimit, type AdmissionLimits } from './admission.js';

const NONE: AdmissionLimits = { maxConnections: 0, nodeRate: null, ipRate: null, capRetryMs: 1000 };

function gate(limits: Partial<AdmissionLimits>, open = () => 0) {
  const clock = { now: 0 };
  let seed = 0;
  // a fixed sequence spread over [0, 1): the hints must differ for the same instant
  const random = () => (seed = (seed * 9301 + 49_297) % 233_280) / 233_280;
  const admission = new Admission({ ...NONE, ...limits }, open, () => clock.now, random);
  return { admission, clock };
}

describe('Admission', () => {
  it('admits everyone with nothing limited', () => {
    const { admission } = gate({});
    for (let i = 0; i < 1000; i++) expect(admission.check('10.0.0.1')).toBeNull();
  });

  it('refuses at the cap with OVERLOADED and a wait between the base and twice it', () => {
    let open = 0;
    const { admission } = gate({ maxConnections: 2, capRetryMs: 1000 }, () => open);
    expect(admission.check('a')).toBeNull();
    open = 2;
    const refusal = admission.check('a');
    expect(refusal).toMatchObject({ reason: 'cap', code: 'OVERLOADED', status: 503 });
    expect(refusal?.retryAfterMs).toBeGreaterThanOrEqual(1000);
    expect(refusal?.retryAfterMs).toBeLessThanOrEqual(2000);
    open = 1;
    expect(admission.check('a')).toBeNull();
  });

  it("limits one address's rate without spending the node's tokens, and says when to come back", () => {
    const { admission, clock } = gate({
      ipRate: { capacity: 2, refillPerSecond: 1 },
      nodeRate: { capacity: 3, refillPerSecond: 1 },
    });
    expect(admission.check('a')).toBeNull();
    expect(admission.check('a')).toBeNull();
    const refused = admission.check('a');
    expect(refused).toMatchObject({ reason: 'ip_rate', code: 'RATE_LIMITED', status: 429 });
    // a token is back after 1000 ms; the hint never comes earlier
    expect(refused?.retryAfterMs).toBeGreaterThanOrEqual(1000);
    // the refusal took none of the node's tokens: another address gets the third
    expect(admission.check('b')).toBeNull();
    expect(admission.check('c')).toMatchObject({ reason: 'node_rate' });
    clock.now = 1000;
    expect(admission.check('a')).toBeNull();
  });

  it("spreads a herd refused at the node's rate over the time the rate needs to admit it", () => {
    const { admission } = gate({ nodeRate: { capacity: 10, refillPerSecond: 10 } });
    for (let i = 0; i < 10; i++) expect(admission.check(`ip${i}`)).toBeNull();
    const hints = Array.from({ length: 100 }, (_, i) => admission.check(`late${i}`)?.retryAfterMs);
    expect(hints.every((h) => h !== undefined && h >= 100)).toBe(true);
    // 100 refused at 10 a second: spread over up to 10 s, not all told the same instant
    const spread = hints as number[];
    expect(new Set(spread).size).toBeGreaterThan(5);
    expect(Math.max(...spread)).toBeGreaterThan(5000);
    expect(Math.max(...spread)).toBeLessThanOrEqual(10_100);
  });

  it('forgets addresses whose bucket is full again', () => {
    const { admission, clock } = gate({ ipRate: { capacity: 5, refillPerSecond: 1 } });
    for (let i = 0; i < 50; i++) admission.check(`10.0.0.${i}`);
    expect(admission.tracked).toBe(50);
    clock.now = 20_000;
    admission.check('10.1.0.1');
    expect(admission.tracked).toBe(1);
  });
});

describe('the connection cap from the open-file limit', () => {
  const limits = (soft: string) =>
    [
      'Limit                     Soft Limit           Hard Limit           Units     ',
      'Max processes             95325                95325                processes ',
      `Max open files            ${soft}                20000                files     `,
      'Max locked memory         8388608              8388608              bytes     ',
    ].join('\n');

  it('reads the soft limit, and nothing where it is unlimited or unreadable', () => {
    expect(openFileLimit(() => limits('20000'))).toBe(20_000);
    expect(openFileLimit(() => limits('1024'))).toBe(1024);
    expect(openFileLimit(() => limits('unlimited'))).toBeNull();
    expect(
      openFileLimit(() => {
        throw new Error('ENOENT');
      }),
    ).toBeNull();
  });

  it('keeps a reserve of a tenth of the limit, at least 256 files', () => {
    expect(connectionCapFor(20_000)).toBe(18_000);
    expect(connectionCapFor(1024)).toBe(768);
    expect(connectionCapFor(1_048_576)).toBe(943_718);
    expect(connectionCapFor(100)).toBe(1);
  });

  it("is this process's own where it can be read", () => {
    const limit = openFileLimit();
    if (limit === null) return;
    expect(limit).toBeGreaterThan(0);
    expect(connectionCapFor(limit)).toBeLessThan(limit);
  });
});
