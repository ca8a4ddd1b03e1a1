/**
 * A load worker process: holds many lightweight subscriber connections in one room and counts
 * the chat messages they receive, with latency measured from the server's timestamp in each
 * message. The parent drives it over IPC (see lib/workers.ts).
 */
import { encodeHistogram, latencyHistogram } from './lib/histogram.js';
import { WireClient } from './lib/wire-client.js';
import type { ToWorker, FromWorker } from './lib/workers.js';

const clients: WireClient[] = [];
let histogram = latencyHistogram();
let delivered = 0;
let errors = 0;

function send(message: FromWorker): void {
  process.send?.(message);
}

const CHAT_FRAMES = ['42["chat:batch"', '42["chat:message"'];
const TS = '"ts":';

/**
 * Counts the chat messages in a frame and records their latency, reading each message's `"ts":`
 * (server time) without parsing the JSON. Chat messages are the only objects with a `ts` there.
 */
function onRawFrame(frame: string): boolean {
  if (!CHAT_FRAMES.some((prefix) => frame.startsWith(prefix))) return false;
  const now = Date.now();
  for (let at = frame.indexOf(TS); at >= 0; at = frame.indexOf(TS, at + TS.length)) {
    const ts = Number.parseInt(frame.slice(at + TS.length, at + TS.length + 16), 10);
    if (Number.isNaN(ts)) continue;
    delivered++;
    histogram.recordValue(Math.max(1, now - ts));
  }
  return true;
}

async function connectAll(message: Extract<ToWorker, { type: 'connect' }>): Promise<void> {
  let next = 0;
  let failed = 0;
  const one = async (i: number) => {
    const localAddress = message.localAddresses[i % message.localAddresses.length];
    try {
      const client = await WireClient.connect({
        url: message.url,
        ...(localAddress ? { localAddress } : {}),
        onRawFrame,
      });
      const ack = (await client.request('room:join', { roomId: message.roomId })) as {
        ok?: boolean;
      };
      if (ack.ok !== true) throw new Error(`join refused: ${JSON.stringify(ack)}`);
      clients.push(client);
    } catch {
      failed++;
    }
  };
  const lanes = Array.from({ length: Math.min(message.concurrency, message.count) }, async () => {
    while (next < message.count) await one(next++);
  });
  await Promise.all(lanes);
  send({ type: 'ready', connected: clients.length, failed });
}

process.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'connect':
      void connectAll(message);
      return;
    case 'reset':
      histogram = latencyHistogram();
      delivered = 0;
      errors = 0;
      send({ type: 'reset' });
      return;
    case 'report':
      errors += clients.filter((c) => !c.open).length;
      send({
        type: 'report',
        delivered,
        histogram: encodeHistogram(histogram),
        errors,
        open: clients.filter((c) => c.open).length,
      });
      return;
    case 'close':
      for (const c of clients) c.close();
      process.exit(0);
  }
});
send({ type: 'started' });
