import type { RateDecision, RateLimitPort, RateRule } from '../rooms/index.js';

interface Lease {
  /** Tokens taken from the shared bucket and not spent yet. */
  tokens: number;
  /** When they were taken: a lease is spent within {@link LEASE_TTL_MS} or dropped. */
  at: number;
  /** The request for more, while one is out (later events wait for it, in order). */
  pending: Promise<void> | null;
  /** The shared bucket was empty: refuse locally until then, without asking again. */
  refusedUntil: number;
}

/** Tokens a node takes from the shared bucket at once, at most (and a sixteenth of a burst). */
const LEASE = 8;
/** Unspent leased tokens are dropped after this long, so they cannot pile up into a burst. */
const LEASE_TTL_MS = 1000;
/** Leases of users gone quiet are forgotten. */
const SWEEP_EVERY_MS = 10_000;

/**
 * Every account's inbound events, across its connections and nodes, drawn from one token bucket
 * of the rate-limit port. A node leases a few tokens at a time and spends them without a round
 * trip, so most events pass at once; when the bucket is empty the node refuses locally until a
 * token is due back. At most a lease less one (7, or a sixteenth of the burst) tokens per node sit
 * unspent, and they expire.
 */
export class UserBudget {
  private readonly leases = new Map<string, Lease>();
  private lastSweep = 0;
  /** A small burst is leased a token at a time, so one node cannot hold all of it. */
  private readonly lease: number;

  constructor(
    private readonly port: RateLimitPort,
    private readonly rule: RateRule,
    private readonly now: () => number,
  ) {
    this.lease = Math.max(1, Math.min(LEASE, Math.floor(rule.capacity / 16)));
  }

  /** `true` when a leased token paid for the event now; else the decision, once known. */
  take(userId: string): true | Promise<RateDecision> {
    const now = this.now();
    this.sweep(now);
    let lease = this.leases.get(userId);
    if (!lease) {
      lease = { tokens: 0, at: now, pending: null, refusedUntil: 0 };
      this.leases.set(userId, lease);
    }
    if (lease.tokens > 0 && now - lease.at > LEASE_TTL_MS) lease.tokens = 0;
    if (lease.tokens >= 1) {
      lease.tokens -= 1;
      return true;
    }
    if (now < lease.refusedUntil)
      return Promise.resolve({ allowed: false, retryAfterMs: lease.refusedUntil - now });
    const current = lease;
    current.pending ??= this.renew(userId, current);
    return current.pending.then(() => {
      const decision = this.take(userId);
      return decision === true ? { allowed: true as const } : decision;
    });
  }

  private async renew(key: string, lease: Lease): Promise<void> {
    try {
      const grant = await this.port.takeUpTo(`events:${key}`, this.rule, this.lease);
      lease.at = this.now();
      lease.tokens += grant.granted;
      if (grant.granted === 0) lease.refusedUntil = lease.at + Math.max(1, grant.retryAfterMs);
    } finally {
      lease.pending = null;
    }
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const [user, lease] of this.leases)
      if (!lease.pending && now - lease.at > SWEEP_EVERY_MS && now >= lease.refusedUntil)
        this.leases.delete(user);
  }
}
