import { readFileSync } from 'node:fs';
import type { ErrorCode } from '../client-sdk/src/protocol/index.js';
import { msUntilFull, takeTokens, type BucketState, type RateRule } from '../rooms/index.js';

/** Who may open a connection to this node, and how fast. */
export interface AdmissionLimits {
  /** Open connections this node takes at most; 0: no cap. */
  maxConnections: number;
  /** New connections per second for the whole node (a token bucket); null: no limit. */
  nodeRate: RateRule | null;
  /** New connections per second from one address; null: no limit. */
  ipRate: RateRule | null;
  /** Base of the wait a connection refused at the cap is told (spread over up to twice as long). */
  capRetryMs: number;
}

/** Why a connection was refused (a metric label). */
export type RefusalReason = 'cap' | 'node_rate' | 'ip_rate' | 'shedding';

/** A refused connection: a coded, retryable answer with when to try again. */
export interface Refusal {
  reason: RefusalReason;
  code: Extract<ErrorCode, 'OVERLOADED' | 'RATE_LIMITED'>;
  /** 503 for the node's own limits, 429 for the address's. */
  status: 429 | 503;
  message: string;
  retryAfterMs: number;
}

/** Addresses not seen for this long (their bucket full again) are forgotten. */
const SWEEP_EVERY_MS = 10_000;
/** The window over which refusals are counted to spread the hints of a rate-limited herd. */
const HERD_WINDOW_MS = 1000;

/**
 * Decides at the upgrade whether a new connection may open, before socket.io spends anything on
 * it: the node's cap, the node's rate and the address's rate. A refusal says when to come back;
 * the hints of a herd are spread, so the refused do not all return in the same instant.
 */
export class Admission {
  private readonly byAddress = new Map<string, BucketState>();
  private node: BucketState | undefined;
  private lastSweep = 0;
  /** Refusals for the node's rate in the current window, and when it began. */
  private herd = { since: 0, refused: 0 };

  constructor(
    private readonly limits: AdmissionLimits,
    /** Connections open now (and being opened). */
    private readonly open: () => number,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  /** Null: admitted (its tokens taken). */
  check(address: string): Refusal | null {
    const now = this.now();
    this.sweep(now);
    const { maxConnections, capRetryMs, ipRate, nodeRate } = this.limits;
    if (maxConnections > 0 && this.open() >= maxConnections)
      return {
        reason: 'cap',
        code: 'OVERLOADED',
        status: 503,
        message: `This server is full (${maxConnections} connections); try again later`,
        retryAfterMs: Math.ceil(capRetryMs * (1 + this.random())),
      };
    // the address first: one client over its own rate must not spend the node's tokens
    let ipTaken: BucketState | undefined;
    if (ipRate) {
      const taken = takeTokens(this.byAddress.get(address), ipRate, 1, now);
      if (!taken.decision.allowed)
        return {
          reason: 'ip_rate',
          code: 'RATE_LIMITED',
          status: 429,
          message: 'Too many new connections from your address; slow down',
          retryAfterMs: Math.ceil(taken.decision.retryAfterMs * (1 + this.random() / 2)),
        };
      ipTaken = taken.state;
    }
    if (nodeRate) {
      const taken = takeTokens(this.node, nodeRate, 1, now);
      if (!taken.decision.allowed)
        return this.herdRefusal(taken.decision.retryAfterMs, nodeRate, now);
      this.node = taken.state;
    }
    if (ipTaken) this.byAddress.set(address, ipTaken);
    return null;
  }

  /**
   * The node's rate is spent: the refused are told to come back spread over as long as the node
   * needs to admit everyone refused in the last second, so the next wave fits the rate.
   */
  private herdRefusal(waitMs: number, rule: RateRule, now: number): Refusal {
    if (now - this.herd.since >= HERD_WINDOW_MS) this.herd = { since: now, refused: 0 };
    this.herd.refused += 1;
    const spreadMs = Math.max(HERD_WINDOW_MS, (this.herd.refused * 1000) / rule.refillPerSecond);
    return {
      reason: 'node_rate',
      code: 'OVERLOADED',
      status: 503,
      message: 'This server is admitting new connections at its limit; try again shortly',
      retryAfterMs: Math.ceil(waitMs + this.random() * spreadMs),
    };
  }

  private sweep(now: number): void {
    const { ipRate } = this.limits;
    if (!ipRate || now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const [address, state] of this.byAddress)
      if (now - state.at >= msUntilFull(state.tokens, ipRate)) this.byAddress.delete(address);
  }

  /** Addresses with a bucket in memory (for tests). */
  get tracked(): number {
    return this.byAddress.size;
  }
}

/**
 * This process's soft limit on open files (Linux: /proc/self/limits); null where it cannot be read
 * or is unlimited. Every socket is a file: past the limit a node cannot even accept a connection
 * to refuse it.
 */
export function openFileLimit(
  read: () => string = () => readFileSync('/proc/self/limits', 'utf8'),
): number | null {
  let text: string;
  try {
    text = read();
  } catch {
    return null;
  }
  const soft = /^Max open files\s+(\S+)/m.exec(text)?.[1];
  const limit = Number(soft);
  return Number.isSafeInteger(limit) && limit > 0 ? limit : null;
}

/**
 * The connections a node can hold under an open-file limit: what is left after a reserve for what
 * else it opens (Redis, journals, media workers, the files of its logs, refusals in flight).
 */
export function connectionCapFor(fileLimit: number): number {
  return Math.max(1, fileLimit - Math.max(256, Math.ceil(fileLimit * 0.1)));
}
