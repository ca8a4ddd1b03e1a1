import { describe, expect, it } from 'vitest';
import { fuzz } from '../load-tests/scenarios/fuzz.js';

describe('fuzz (5,000 frames; npm run bench -- fuzz runs 100,000)', { timeout: 120_000 }, () => {
  it('answers or closes on every frame, never crashes, and keeps serving', async () => {
    // a fresh seed each run (FUZZ_SEED repeats one): the frames differ from CI run to CI run
    const seed = process.env['FUZZ_SEED'] ? Number(process.env['FUZZ_SEED']) : undefined;
    const result = await fuzz('liveshop', { frames: 5000, connections: 20, seed });
    const about = `seed ${result.seed}: ${JSON.stringify({ ...result, byKind: undefined })}`;
    expect(result.sent, about).toBe(5000);
    expect(result.outcomes.unanswered, about).toBe(0);
    expect(result.warmupUnanswered, about).toBe(0);
    expect(result.crashed, about).toBe(false);
    expect(result.healthyAfter, about).toBe(true);
    // a handler that threw would answer INTERNAL: none may
    expect(result.errorCodes['INTERNAL'], about).toBeUndefined();
    // every kind of frame was tried, and the control client's chat all came back
    expect(Object.keys(result.byKind).length, about).toBeGreaterThanOrEqual(14);
    expect(result.controlChatMs.count, about).toBeGreaterThan(0);
    expect(result.controlLost, about).toBe(0);
  });
});
