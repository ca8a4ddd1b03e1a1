import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ClassifierConfig,
  type ClassifierConfigInput,
} from '../../client-sdk/src/protocol/index.js';
import {
  startClassifierServer,
  type ClassifierServer,
} from '../../test/helpers/classifier-server.js';
import { Classifier, ClassifierConfigError, type ClassifierDeps } from './classifier.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const RULES = [
  { word: 'idiot', category: 'harassment', score: 0.9 },
  { word: 'scam', category: 'fraud', score: 0.7 },
  { word: 'kill', category: 'violence', score: 0.97 },
];
const THRESHOLDS: ClassifierConfigInput['thresholds'] = [
  { category: 'harassment', score: 0.8, action: 'hide' },
  { category: 'harassment', score: 0.95, action: 'block' },
  { category: 'fraud', score: 0.5, action: 'hold' },
  { category: 'violence', score: 0.9, action: 'block' },
];

let server: ClassifierServer;
let clock = 0;

beforeEach(async () => {
  server = await startClassifierServer(RULES);
  clock = 1_000_000;
});
afterEach(async () => {
  await server.close();
});

function classifier(
  config: Partial<ClassifierConfigInput> = {},
  deps: Partial<ClassifierDeps> = {},
): Classifier {
  // a generous budget unless a test is about the budget: a loaded machine's local round trip
  // must never pass for a slow classifier
  const parsed = ClassifierConfig.parse({
    url: server.url,
    thresholds: THRESHOLDS,
    budgetMs: 5_000,
    ...config,
  });
  return new Classifier(parsed, { now: () => clock, sha256, ...deps });
}

describe('the classifier hook', () => {
  it('turns scores into actions by the thresholds, the strictest reached winning', async () => {
    const c = classifier();
    expect(await c.classify('lovely jacket', 'known')).toEqual({
      action: 'allow',
      detector: 'classifier',
      outcome: 'scored',
    });
    expect(await c.classify('you idiot', 'known')).toEqual({
      action: 'hide',
      detector: 'classifier',
      outcome: 'scored',
      category: 'harassment',
      score: 0.9,
    });
    // hold (fraud) is stricter than hide (harassment); block (violence) than both
    expect(await c.classify('idiot, this is a scam', 'known')).toMatchObject({
      action: 'hold',
      category: 'fraud',
      score: 0.7,
    });
    expect(await c.classify('scam idiot kill', 'buyer')).toMatchObject({
      action: 'block',
      category: 'violence',
    });
    expect(server.requests).toHaveLength(4);
  });

  it('sends the text (white space folded), the model and the bearer key named by apiKeyEnv', async () => {
    const c = classifier(
      { model: 'omni-test', apiKeyEnv: 'MODERATION_KEY' },
      { env: { MODERATION_KEY: 'sk-test-123' } },
    );
    await c.classify('  hello\n\n  world ', 'new');
    expect(server.requests).toEqual([
      {
        mode: 'ok',
        authorization: 'Bearer sk-test-123',
        body: { input: 'hello world', model: 'omni-test' },
      },
    ]);
    await classifier().classify('hello', 'new');
    expect(server.requests[1]).toMatchObject({
      authorization: undefined,
      body: { input: 'hello' },
    });
    expect(() => classifier({ apiKeyEnv: 'MISSING_KEY' }, { env: {} })).toThrow(
      ClassifierConfigError,
    );
  });

  it('answers the same text again from its cache, without asking the service', async () => {
    const c = classifier();
    const first = await c.classify('you idiot', 'known');
    const again = await c.classify('you  idiot', 'new');
    expect(again).toEqual({ ...first, outcome: 'cached' });
    expect(server.requests).toHaveLength(1);
    expect(c.stats()).toMatchObject({ calls: 2, scored: 1, cached: 1 });

    // least recently used out first
    const small = classifier({ cacheSize: 2 });
    for (const text of ['a', 'b', 'a', 'c', 'a', 'b']) await small.classify(text, 'known');
    expect(server.requests.slice(1).map((r) => (r.body as { input: string }).input)).toEqual([
      'a',
      'b',
      'c',
      'b',
    ]);
  });

  it('caches only scores: a failure asks again next time', async () => {
    const c = classifier();
    server.mode('garbage');
    expect(await c.classify('you idiot', 'known')).toMatchObject({ outcome: 'failed' });
    server.mode('ok');
    expect(await c.classify('you idiot', 'known')).toMatchObject({ outcome: 'scored' });
    expect(server.requests).toHaveLength(2);
  });

  it('gives up at the budget: the untrusted are held, the trusted pass', async () => {
    server.mode('slow');
    const c = classifier({ budgetMs: 50 });
    const [fresh, known, buyer] = await Promise.all([
      c.classify('one', 'new'),
      c.classify('two', 'known'),
      c.classify('three', 'buyer'),
    ]);
    const failed = { detector: 'classifier', outcome: 'failed', failure: 'timeout' };
    expect(fresh).toEqual({ ...failed, action: 'hold' });
    expect(known).toEqual({ ...failed, action: 'allow' });
    expect(buyer).toEqual({ ...failed, action: 'allow' });
    expect(c.stats()).toMatchObject({ inFlight: 0, failures: { timeout: 3 } });

    const strict = classifier({ budgetMs: 50, onFailure: { holdBelow: 'buyer', action: 'hide' } });
    expect(await strict.classify('four', 'known')).toMatchObject({ action: 'hide' });
    expect(await strict.classify('five', 'buyer')).toMatchObject({ action: 'allow' });
  });

  it('a service that is down is an error; failures in a row open the circuit', async () => {
    const c = classifier({ breaker: { failures: 2 } });
    server.mode('down');
    expect(await c.classify('one', 'new')).toMatchObject({ action: 'hold', failure: 'error' });
    server.mode('down', { downStatus: 503 });
    expect(await c.classify('two', 'buyer')).toMatchObject({ action: 'allow', failure: 'error' });
    expect(c.stats()).toMatchObject({ open: true, circuit: 'open' });
    server.mode('ok');
    expect(await c.classify('three', 'new')).toMatchObject({
      action: 'hold',
      outcome: 'failed',
      failure: 'circuit-open',
    });
    expect(server.requests).toHaveLength(2);
  });

  it('a success resets the count of failures in a row', async () => {
    const c = classifier({ breaker: { failures: 2 } });
    for (const mode of ['down', 'ok', 'down', 'ok'] as const) {
      server.mode(mode);
      await c.classify(`text ${server.requests.length}`, 'known');
    }
    expect(c.stats()).toMatchObject({ open: false, scored: 2, failures: { error: 2 } });
  });

  it('a 429 opens the circuit for its retry-after; after it one trial closes the circuit', async () => {
    const c = classifier({ breaker: { openMs: 10_000 } });
    server.mode('429', { retryAfter: 30 });
    expect(await c.classify('one', 'new')).toMatchObject({
      action: 'hold',
      failure: 'rate-limited',
    });
    expect(c.stats().open).toBe(true);
    server.mode('ok');
    expect(await c.classify('two', 'known')).toMatchObject({ failure: 'circuit-open' });
    clock += 10_000; // openMs has passed, retry-after has not
    expect(await c.classify('three', 'known')).toMatchObject({ failure: 'circuit-open' });
    expect(server.requests).toHaveLength(1);

    clock += 20_000;
    expect(c.stats().circuit).toBe('half-open');
    expect(await c.classify('four', 'known')).toMatchObject({ outcome: 'scored' });
    expect(c.stats()).toMatchObject({ open: false, circuit: 'closed' });
    expect(await c.classify('five', 'known')).toMatchObject({ outcome: 'scored' });
    expect(server.requests).toHaveLength(3);
    expect(c.stats().failures).toMatchObject({ 'rate-limited': 1, 'circuit-open': 2 });
  });

  it('a 429 without retry-after is one failure among the breaker count', async () => {
    const c = classifier();
    server.mode('429', { retryAfter: null });
    expect(await c.classify('one', 'new')).toMatchObject({ failure: 'rate-limited' });
    expect(c.stats().open).toBe(false);
  });

  it('half-open: one trial at a time, and a failed trial opens the circuit again', async () => {
    const c = classifier({ budgetMs: 5_000, breaker: { failures: 1, openMs: 1_000 } });
    server.mode('down');
    await c.classify('one', 'known');
    clock += 1_000;
    server.mode('slow');
    const trial = c.classify('two', 'known');
    await server.received(2);
    expect(await c.classify('three', 'new')).toMatchObject({ failure: 'circuit-open' });
    server.mode('down');
    server.release(); // the held trial is answered
    expect(await trial).toMatchObject({ outcome: 'scored' });
    expect(c.stats().circuit).toBe('closed');

    await c.classify('four', 'known'); // down: opens again
    clock += 1_000;
    expect(await c.classify('five', 'known')).toMatchObject({ failure: 'error' }); // failed trial
    expect(c.stats().circuit).toBe('open');
    expect(await c.classify('six', 'known')).toMatchObject({ failure: 'circuit-open' });
    expect(server.requests).toHaveLength(4);
  });

  it('an answer to a request sent before the circuit opened does not close it', async () => {
    const c = classifier({ budgetMs: 5_000, breaker: { failures: 1 } });
    server.mode('slow');
    const early = c.classify('one', 'known');
    await server.received(1);
    server.mode('down');
    expect(await c.classify('two', 'known')).toMatchObject({ failure: 'error' });
    server.release();
    expect(await early).toMatchObject({ outcome: 'scored' });
    expect(c.stats().circuit).toBe('open');
    expect(await c.classify('three', 'known')).toMatchObject({ failure: 'circuit-open' });
  });

  it('over its concurrency a call fails at once as busy, and busy opens no circuit', async () => {
    let fetched = 0;
    const counting: typeof fetch = (input, init) => {
      fetched += 1;
      return fetch(input, init);
    };
    const c = classifier(
      { budgetMs: 5_000, concurrency: 2, breaker: { failures: 1 } },
      { fetch: counting },
    );
    server.mode('slow');
    const held = [c.classify('one', 'known'), c.classify('two', 'known')];
    await server.received(2);
    expect(await c.classify('three', 'new')).toMatchObject({
      action: 'hold',
      outcome: 'failed',
      failure: 'busy',
    });
    expect(fetched).toBe(2);
    expect(c.stats()).toMatchObject({ inFlight: 2, open: false, failures: { busy: 1 } });
    server.release();
    expect(await Promise.all(held)).toMatchObject([{ outcome: 'scored' }, { outcome: 'scored' }]);
    server.mode('ok');
    expect(await c.classify('three', 'new')).toMatchObject({ outcome: 'scored' });
    expect(c.stats().inFlight).toBe(0);
  });

  it('an answer of another shape is a bad response, and counts for the breaker', async () => {
    const c = classifier({ breaker: { failures: 3 } });
    server.mode('garbage');
    expect(await c.classify('one', 'new')).toMatchObject({
      action: 'hold',
      failure: 'bad-response',
    });
    server.mode('garbage', { garbage: 'not json at all' });
    expect(await c.classify('two', 'new')).toMatchObject({ failure: 'bad-response' });
    server.mode('garbage', {
      garbage: '{"results":[{"categories":{},"category_scores":{"x":"high"}}]}',
    });
    expect(await c.classify('three', 'buyer')).toMatchObject({
      action: 'allow',
      failure: 'bad-response',
    });
    expect(c.stats()).toMatchObject({ open: true, failures: { 'bad-response': 3 } });
  });
});
