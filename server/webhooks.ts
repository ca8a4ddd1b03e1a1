import { timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { Logger } from 'pino';
import type { MerchantEvent, MerchantOutboxPort } from '../rooms/index.js';

export interface WebhookOptions {
  url: string;
  /** A Standard Webhooks secret: `whsec_` and the base64 of 24 to 64 random bytes. */
  secret: string;
  /** This sender's name among the nodes (its unconfirmed events come back to it after a restart). */
  sender: string;
  batch?: number;
  /**
   * The lease one sender holds to deliver (renewed before each post): one at a time, so events
   * reach the merchant in order; a sender gone, another takes over within this.
   */
  leaseMs?: number;
  /** Wait between polls when nothing is pending. */
  pollMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  timeoutMs?: number;
  /** Told of every attempt (for metrics). */
  posted?: (outcome: 'delivered' | 'failed') => void;
}

/** How far a delivery's `webhook-timestamp` may be from the verifier's clock (Standard Webhooks' default). */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

/** The three Standard Webhooks headers of one delivery attempt. */
export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Signs one delivery attempt as Standard Webhooks does (https://www.standardwebhooks.com): an
 * HMAC-SHA256, with the base64 key of a `whsec_...` secret, over `<id>.<timestamp>.<body>`, sent
 * as `webhook-signature: v1,<base64>`. The signing is the maintained `standardwebhooks` package's.
 */
export function signWebhook(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
): WebhookHeaders {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': new Webhook(secret).sign(id, new Date(timestampSeconds * 1000), body),
  };
}

/**
 * Checks a delivery as a merchant would: a `v1` signature over id, timestamp and body, in
 * constant time, and a timestamp within `toleranceSeconds` of `now` (so a captured delivery
 * cannot be replayed later). `standardwebhooks`' own `Webhook#verify` does the same with the
 * default tolerance; this one takes the tolerance and the clock as options.
 */
export function verifyWebhook(
  secret: string,
  headers: Partial<Record<keyof WebhookHeaders, string | string[] | undefined>>,
  body: string,
  options: { toleranceSeconds?: number; now?: number } = {},
): boolean {
  const { toleranceSeconds = WEBHOOK_TOLERANCE_SECONDS, now = Date.now() } = options;
  const id = single(headers['webhook-id']);
  const stamp = single(headers['webhook-timestamp']);
  const signatures = single(headers['webhook-signature']);
  if (!id || !stamp || !signatures || !/^\d{1,12}$/.test(stamp)) return false;
  const timestamp = Number(stamp);
  if (Math.abs(Math.floor(now / 1000) - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, id, timestamp, body)['webhook-signature']);
  return signatures.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

const single = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

/**
 * Posts the merchant outbox's events to the merchant's webhook, in order, each until it gets a
 * 2xx: exponential backoff with jitter between attempts, the same `webhook-id` (the event id) on
 * every attempt for the merchant's de-duplication, each attempt signed with its own timestamp,
 * and what a stopped sender left is resumed by the next one.
 */
export class WebhookSender {
  private running = false;
  private loop: Promise<void> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private wakeUp: (() => void) | undefined;
  private backoffMs = 0;
  private readonly o: Required<WebhookOptions>;

  constructor(
    private readonly outbox: MerchantOutboxPort,
    options: WebhookOptions,
    private readonly logger: Logger,
  ) {
    this.o = {
      batch: 50,
      leaseMs: 10_000,
      pollMs: 1000,
      minBackoffMs: 500,
      maxBackoffMs: 60_000,
      timeoutMs: 10_000,
      posted: () => {},
      ...options,
    };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Looks for new events now rather than at the next poll (not while backing off). */
  poke(): void {
    if (this.backoffMs === 0) this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let wait = this.o.pollMs;
      try {
        if (!(await this.outbox.lead(this.o.sender, this.o.leaseMs))) {
          // another node's sender delivers: wait for its lease to lapse
          await this.sleep(this.o.leaseMs / 2);
          continue;
        }
        // the sender with the lease delivers what others took and left first, in order
        const events = await this.outbox.take(this.o.sender, this.o.batch, 0);
        const done = await this.deliverAll(events);
        if (done && events.length === this.o.batch) wait = 0;
        if (!done) wait = this.backoff();
      } catch (err) {
        this.logger.warn({ err }, 'webhooks: cannot read the outbox');
        wait = this.backoff();
      }
      if (wait > 0) await this.sleep(wait);
    }
  }

  /** Delivers in order; stops at the first failure (so order holds) and says whether all went. */
  private async deliverAll(events: MerchantEvent[]): Promise<boolean> {
    for (const event of events) {
      if (!this.running) return true;
      // lost the lease (a long backoff): the next holder takes these over
      if (!(await this.outbox.lead(this.o.sender, this.o.leaseMs))) return true;
      if (!(await this.post(event))) return false;
      await this.outbox.delivered(event.id);
      this.backoffMs = 0;
    }
    return true;
  }

  private async post(event: MerchantEvent): Promise<boolean> {
    const body = JSON.stringify(event);
    // every attempt is signed anew (a merchant refuses stale timestamps); the id stays the event's
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const response = await fetch(this.o.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'liveshop-webhooks/1',
          ...signWebhook(this.o.secret, event.id, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      this.o.posted(response.ok ? 'delivered' : 'failed');
      if (response.ok) return true;
      this.logger.warn({ event: event.id, status: response.status }, 'webhooks: merchant refused');
    } catch (err) {
      this.o.posted('failed');
      this.logger.warn({ event: event.id, err: (err as Error).message }, 'webhooks: post failed');
    }
    return false;
  }

  private backoff(): number {
    this.backoffMs = Math.min(
      this.o.maxBackoffMs,
      this.backoffMs === 0 ? this.o.minBackoffMs : this.backoffMs * 2,
    );
    return this.backoffMs * (0.5 + Math.random() / 2);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeUp = () => {
        clearTimeout(this.timer);
        this.wakeUp = undefined;
        resolve();
      };
      this.timer = setTimeout(() => this.wakeUp?.(), ms);
    });
  }
}
