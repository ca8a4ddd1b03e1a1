import * as z from 'zod';
import {
  ModerationAction,
  trustRank,
  type ClassifierConfig,
  type Trust,
} from '../../client-sdk/src/protocol/index.js';

/** Why a classifier gave no score. */
export const CLASSIFIER_FAILURES = [
  'timeout',
  'error',
  'rate-limited',
  'busy',
  'circuit-open',
  'bad-response',
] as const;
export type ClassifierFailure = (typeof CLASSIFIER_FAILURES)[number];

/** What the classifier made of a message: its action, and the category that gave it. */
export interface ClassifierVerdict {
  action: ModerationAction;
  detector: 'classifier';
  /** `scored`: asked now; `cached`: the same text was scored before; `failed`: no answer. */
  outcome: 'scored' | 'cached' | 'failed';
  /** The category whose threshold gave `action` (none when no threshold was reached). */
  category?: string;
  score?: number;
  failure?: ClassifierFailure;
}

export interface ClassifierDeps {
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** The clock of the circuit breaker, in milliseconds. */
  now: () => number;
  /** Hex digest, for the cache's keys. */
  sha256: (text: string) => string;
  /** Where `apiKeyEnv` is looked up. Default: `process.env`. */
  env?: Record<string, string | undefined>;
}

export interface ClassifierStats {
  /** `classify()` calls, whatever their outcome. */
  calls: number;
  scored: number;
  cached: number;
  failures: Record<ClassifierFailure, number>;
  inFlight: number;
  circuit: 'closed' | 'open' | 'half-open';
  /** The circuit is not closed (open, or half-open with its trial to come or in flight). */
  open: boolean;
}

/** A classifier that cannot be built as configured (its key's variable is not set). */
export class ClassifierConfigError extends Error {
  override readonly name = 'ClassifierConfigError';
}

/** The OpenAI-compatible moderation answer; fields beyond these are ignored. */
const Answer = z.looseObject({
  results: z
    .array(
      z.looseObject({
        flagged: z.boolean().optional(),
        categories: z.record(z.string(), z.boolean()),
        category_scores: z.record(z.string(), z.number()),
      }),
    )
    .min(1),
});

type Scored = Pick<ClassifierVerdict, 'action' | 'category' | 'score'>;
type Failed = { failure: ClassifierFailure; retryAfterMs?: number };

const rank = (action: ModerationAction) => ModerationAction.options.indexOf(action);
/** A `retry-after` header longer than this is taken as this. */
const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * One policy group's HTTP classifier: asks the service about a message within the latency budget
 * and turns its scores into an action by the group's thresholds (the strictest reached wins). It
 * never throws and never waits for more than the budget: a message it cannot score gets the
 * failure action its sender's trust calls for. Answers are cached by content; requests are
 * limited in number; consecutive failures open a circuit breaker.
 */
export class Classifier {
  private readonly fetch: typeof fetch;
  private readonly headers: Record<string, string>;
  private readonly cache = new Map<string, Scored>();
  private readonly breaker: Breaker;
  private inFlight = 0;
  private readonly counts = {
    calls: 0,
    scored: 0,
    cached: 0,
    failures: Object.fromEntries(CLASSIFIER_FAILURES.map((f) => [f, 0])) as Record<
      ClassifierFailure,
      number
    >,
  };

  constructor(
    private readonly config: ClassifierConfig,
    private readonly deps: ClassifierDeps,
  ) {
    this.fetch = deps.fetch ?? globalThis.fetch;
    this.breaker = new Breaker(config.breaker, deps.now);
    this.headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (config.apiKeyEnv !== undefined) {
      const key = (deps.env ?? process.env)[config.apiKeyEnv];
      if (!key)
        throw new ClassifierConfigError(
          `the classifier at ${config.url} needs its key in ${config.apiKeyEnv}, which is not set`,
        );
      this.headers.authorization = `Bearer ${key}`;
    }
  }

  /**
   * The verdict on `text` (folded to NFC with its white space runs made one space, as sent and
   * as cached) for a sender trusted as `trust`.
   */
  async classify(text: string, trust: Trust): Promise<ClassifierVerdict> {
    this.counts.calls += 1;
    const input = text.normalize('NFC').replace(/\s+/gu, ' ').trim();
    const key = this.deps.sha256(JSON.stringify([this.config.model ?? null, input]));
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      this.counts.cached += 1;
      return { ...hit, detector: 'classifier', outcome: 'cached' };
    }
    if (this.breaker.refuses()) return this.failed('circuit-open', trust);
    if (this.inFlight >= this.config.concurrency) return this.failed('busy', trust);
    const trial = this.breaker.begin();
    this.inFlight += 1;
    let result: Scored | Failed;
    try {
      result = await this.request(input);
    } finally {
      this.inFlight -= 1;
    }
    if ('failure' in result) {
      this.breaker.failed(trial, result.retryAfterMs);
      return this.failed(result.failure, trust);
    }
    this.breaker.succeeded(trial);
    this.remember(key, result);
    this.counts.scored += 1;
    return { ...result, detector: 'classifier', outcome: 'scored' };
  }

  stats(): ClassifierStats {
    const circuit = this.breaker.state();
    return {
      calls: this.counts.calls,
      scored: this.counts.scored,
      cached: this.counts.cached,
      failures: { ...this.counts.failures },
      inFlight: this.inFlight,
      circuit,
      open: circuit !== 'closed',
    };
  }

  private async request(input: string): Promise<Scored | Failed> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.config.budgetMs);
    timer.unref();
    const body = JSON.stringify(
      this.config.model === undefined ? { input } : { input, model: this.config.model },
    );
    try {
      const res = await this.fetch(this.config.url, {
        method: 'POST',
        headers: this.headers,
        body,
        signal: controller.signal,
      });
      if (!res.ok) {
        res.body?.cancel().catch(() => undefined);
        if (res.status !== 429) return { failure: 'error' };
        const retryAfterMs = retryAfter(res.headers.get('retry-after'));
        return retryAfterMs === undefined
          ? { failure: 'rate-limited' }
          : { failure: 'rate-limited', retryAfterMs };
      }
      let json: unknown;
      try {
        json = await res.json();
      } catch {
        return { failure: controller.signal.aborted ? 'timeout' : 'bad-response' };
      }
      const answer = Answer.safeParse(json);
      if (!answer.success || !answer.data.results[0]) return { failure: 'bad-response' };
      return this.score(answer.data.results[0].category_scores);
    } catch {
      return { failure: controller.signal.aborted ? 'timeout' : 'error' };
    } finally {
      clearTimeout(timer);
    }
  }

  /** The strictest action whose threshold a score reaches (the higher score among equals). */
  private score(scores: Record<string, number>): Scored {
    let best: Scored = { action: 'allow' };
    for (const { category, score: threshold, action } of this.config.thresholds) {
      const score = scores[category];
      if (score === undefined || score < threshold) continue;
      const stricter = rank(action) - rank(best.action);
      if (best.score === undefined || stricter > 0 || (stricter === 0 && score > best.score))
        best = { action, category, score };
    }
    return best;
  }

  private remember(key: string, scored: Scored): void {
    if (this.config.cacheSize === 0) return;
    this.cache.set(key, scored);
    if (this.cache.size > this.config.cacheSize) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
  }

  private failed(failure: ClassifierFailure, trust: Trust): ClassifierVerdict {
    this.counts.failures[failure] += 1;
    const { holdBelow, action } = this.config.onFailure;
    return {
      action: trustRank(trust) < trustRank(holdBelow) ? action : 'allow',
      detector: 'classifier',
      outcome: 'failed',
      failure,
    };
  }
}

/** `retry-after` in seconds, if more than 0 (an HTTP date is left to the breaker's own delay). */
function retryAfter(header: string | null): number | undefined {
  if (header === null || !/^\s*\d+\s*$/.test(header)) return undefined;
  const ms = Math.min(Number(header) * 1000, MAX_RETRY_AFTER_MS);
  return ms > 0 ? ms : undefined;
}

/**
 * Closed: requests go, and `failures` in a row open it. Open: nothing goes for `openMs` (or
 * longer, when a rate limit asked so); then half-open: one trial goes, and its outcome closes
 * the circuit or opens it again. Answers to requests sent before it opened decide nothing.
 */
class Breaker {
  private inARow = 0;
  private openUntil: number | null = null;
  private trialInFlight = false;

  constructor(
    private readonly options: { failures: number; openMs: number },
    private readonly now: () => number,
  ) {}

  state(): 'closed' | 'open' | 'half-open' {
    if (this.openUntil === null) return 'closed';
    return this.now() < this.openUntil ? 'open' : 'half-open';
  }

  refuses(): boolean {
    return this.openUntil !== null && (this.now() < this.openUntil || this.trialInFlight);
  }

  /** A request goes: whether it is the half-open trial. */
  begin(): boolean {
    if (this.openUntil === null) return false;
    this.trialInFlight = true;
    return true;
  }

  succeeded(trial: boolean): void {
    if (this.openUntil !== null && !trial) return;
    this.trialInFlight = false;
    this.openUntil = null;
    this.inARow = 0;
  }

  /** A failure; one that says when to retry (a 429's `retry-after`) opens the circuit at once. */
  failed(trial: boolean, retryAfterMs?: number): void {
    if (this.openUntil !== null && !trial) return;
    this.trialInFlight = false;
    this.inARow += 1;
    if (trial || retryAfterMs !== undefined || this.inARow >= this.options.failures) {
      this.openUntil = this.now() + Math.max(this.options.openMs, retryAfterMs ?? 0);
      this.inARow = 0;
    }
  }
}
