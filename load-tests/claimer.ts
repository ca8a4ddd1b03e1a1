/**
 * A claim worker process (claims, or bids in an auction): holds many signed-in buyers (socket.io's wire protocol over the minimal
 * WebSocket client, so one load core can offer tens of thousands of claims a second), each joined
 * to the drop's room, and fires their claims at a given instant, all at once or paced at a rate.
 * It counts the answers by outcome, the claims never answered, and each claim's latency (send to
 * ack). The parent drives it over IPC (lib/claimers.ts).
 */
import { SignJWT } from 'jose';
import { connectFrame, eventFrame, PONG, socketIoPath } from './k6/socketio.js';
import { encodeHistogram, latencyHistogram } from './lib/histogram.js';
import type { FromClaimer, ToClaimer } from './lib/claimers.js';
import { MiniWebSocket } from './lib/mini-ws.js';

type Reply = { ok: boolean; outcome?: string; holdId?: string; error?: { code: string } };

/** One buyer's connection: acks by id, everything else (stock, viewer counts) ignored cheaply. */
class Buyer {
  private ws: MiniWebSocket | undefined;
  private nextAck = 0;
  private readonly waiting = new Map<number, (reply: Reply) => void>();

  static async connect(url: string, token: string, roomId: string): Promise<Buyer> {
    const buyer = new Buyer();
    await new Promise<void>((resolve, reject) => {
      const { hostname, port } = new URL(url);
      const ws = new MiniWebSocket({
        host: hostname,
        port: Number(port),
        path: socketIoPath(),
        onOpen: () => undefined,
        onMessage: (frame) => {
          if (frame.startsWith('43')) buyer.acked(frame);
          else if (frame === '2') ws.send(PONG);
          else if (frame.startsWith('0{')) ws.send(connectFrame({ token }));
          else if (frame.startsWith('40'))
            void buyer
              .request('room:join', { roomId })
              .then((r) => (r.ok ? resolve() : reject(new Error('join refused'))));
          else if (frame.startsWith('44')) reject(new Error(`refused: ${frame}`));
        },
        onClose: () => reject(new Error('closed')),
      });
      buyer.ws = ws;
    });
    return buyer;
  }

  request(event: string, payload: unknown): Promise<Reply> {
    const id = this.nextAck++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.ws?.send(eventFrame(event, payload, id));
    });
  }

  close(): void {
    this.ws?.terminate();
  }

  private acked(frame: string): void {
    const bracket = frame.indexOf('[');
    const id = Number(frame.slice(2, bracket));
    const done = this.waiting.get(id);
    if (!done) return;
    this.waiting.delete(id);
    // `{"ok":true,"outcome":"held",...}` or `{"ok":false,"error":{"code":"..."`: read, not parsed
    const ok = frame.startsWith('true', bracket + 7);
    const field = ok ? '"outcome":"' : '"code":"';
    const at = frame.indexOf(field, bracket);
    const value =
      at < 0 ? '?' : frame.slice(at + field.length, frame.indexOf('"', at + field.length));
    if (!ok) {
      done({ ok, error: { code: value } });
      return;
    }
    const hold = frame.indexOf('"holdId":"', bracket);
    const holdId = hold < 0 ? undefined : frame.slice(hold + 10, frame.indexOf('"', hold + 10));
    done({ ok, outcome: value, ...(holdId ? { holdId } : {}) });
  }
}

const buyers: Buyer[] = [];
let offset = 0;
let failed = 0;
const send = (message: FromClaimer) => process.send?.(message);

async function connectAll(m: Extract<ToClaimer, { type: 'connect' }>): Promise<void> {
  offset = m.offset;
  const secret = new TextEncoder().encode(m.secret);
  let next = 0;
  const one = async (i: number) => {
    try {
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(`buyer-${m.offset + i}`)
        .setExpirationTime('2h')
        .sign(secret);
      buyers[i] = await Buyer.connect(
        m.urls[(m.offset + i) % m.urls.length] ?? '',
        token,
        m.roomId,
      );
    } catch {
      failed++;
    }
  };
  const lanes = Array.from({ length: Math.min(m.concurrency, m.count) }, async () => {
    while (next < m.count) await one(next++);
  });
  await Promise.all(lanes);
  send({ type: 'ready', connected: buyers.filter(Boolean).length, failed });
}

async function burst(m: Extract<ToClaimer, { type: 'burst' }>): Promise<void> {
  const latency = latencyHistogram();
  const outcomes: Record<string, number> = {};
  const live = buyers.filter(Boolean);
  const total = live.length * m.claimsPerClient;
  let unanswered = 0;
  let firstSentAt = Number.POSITIVE_INFINITY;
  let lastAnsweredAt = 0;
  const pending: Promise<void>[] = [];
  const claim = (n: number) => {
    const client = live[n % live.length];
    if (!client) return;
    const round = Math.floor(n / live.length);
    const key = `${m.runId}-${offset + (n % live.length)}-${round}`;
    const sentAt = Date.now();
    firstSentAt = Math.min(firstSentAt, sentAt);
    // a bid: every buyer's maximum its own (spread over the range, none equal)
    const claimed = m.bid
      ? client.request('auction:bid', {
          roomId: m.roomId,
          auctionId: m.bid.auctionId,
          maxMinor: m.bid.baseMinor + (((offset + n) * 7_919) % m.bid.spread) * 10,
          idempotencyKey: key,
        })
      : client.request('drop:claim', {
          roomId: m.roomId,
          dropId: m.dropId,
          idempotencyKey: key,
        });
    // checkout mode: a hold is checked out at once, and what is timed is the checkout
    let checkoutSentAt = sentAt;
    const answer = !m.checkout
      ? claimed
      : claimed.then((reply) => {
          if (!reply.ok || reply.outcome !== 'held' || !reply.holdId) return reply;
          checkoutSentAt = Date.now();
          return client.request('drop:checkout', {
            roomId: m.roomId,
            dropId: m.dropId,
            holdId: reply.holdId,
            idempotencyKey: `${key}-checkout`,
          });
        });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), m.timeoutMs);
    });
    pending.push(
      Promise.race([answer, timeout]).then((reply) => {
        clearTimeout(timer);
        if (!reply) {
          unanswered++;
          return;
        }
        const now = Date.now();
        lastAnsweredAt = Math.max(lastAnsweredAt, now);
        latency.recordValue(Math.max(1, now - (m.checkout ? checkoutSentAt : sentAt)));
        const outcome = reply.ok ? (reply.outcome ?? 'ok') : `error:${reply.error?.code ?? '?'}`;
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      }),
    );
  };
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, m.atMs - Date.now())));
  if (m.rate <= 0) for (let n = 0; n < total; n++) claim(n);
  else {
    const started = Date.now();
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * m.rate) + 1);
      while (sent < due) claim(sent++);
      if (sent < total) await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
  await Promise.all(pending);
  send({
    type: 'done',
    outcomes,
    unanswered,
    histogram: encodeHistogram(latency),
    firstSentAt,
    lastAnsweredAt,
  });
}

process.on('message', (message: ToClaimer) => {
  if (message.type === 'connect') void connectAll(message);
  else if (message.type === 'burst') void burst(message);
  else {
    for (const b of buyers) b.close();
    process.exit(0);
  }
});
send({ type: 'started' });
