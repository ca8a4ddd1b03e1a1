import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { MerchantEvent, MerchantOutboxPort } from '../rooms/index.js';

export interface WebhookOptions {
  url: string;
  secret: string;
  /** This sender's name among the nodes (its unconfirmed events come back to it after a restart). */
  sender: string;
  batch?: number;
  /** After this long unconfirmed, another node's sender may deliver an event. */
  reclaimAfterMs?: number;
  /** Wait between polls when nothing is pending. */
  pollMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  timeoutMs?: number;
  /** Told of every attempt (for metrics). */
  posted?: (outcome: 'delivered' | 'failed') => void;
}

/** `v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`, the value of `x-liveshop-signature`. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Checks a webhook's signature, as a merchant would (constant-time comparison). */
export function verifyWebhook(
  secret: string,
  timestamp: number,
  body: string,
  signature: string,
): boolean {
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Posts the merchant outbox's events to the merchant's webhook, in order, each until it gets a
 * 2xx: exponential backoff with jitter between attempts, the same event id on every attempt (for
 * the merchant's de-duplication), and what a stopped sender left is resumed by the next one.
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
      reclaimAfterMs: 60_000,
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
        const events = await this.outbox.take(this.o.sender, this.o.batch, this.o.reclaimAfterMs);
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
      if (!(await this.post(event))) return false;
      await this.outbox.delivered(event.id);
      this.backoffMs = 0;
    }
    return true;
  }

  private async post(event: MerchantEvent): Promise<boolean> {
    const body = JSON.stringify(event);
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const response = await fetch(this.o.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-liveshop-event-id': event.id,
          'x-liveshop-timestamp': String(timestamp),
          'x-liveshop-signature': signWebhook(this.o.secret, timestamp, body),
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
