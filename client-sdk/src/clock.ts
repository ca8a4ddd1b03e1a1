/** One `time:sync` round trip: when it left and came back (client clock), and the server's answer. */
export interface ClockSample {
  sent: number;
  received: number;
  serverTime: number;
}

/**
 * The offset to add to the client's clock to read the server's, from the sample with the
 * shortest round trip (the server answered somewhere inside it; its middle is the best guess, off
 * by at most half the round trip). Always a whole number of milliseconds, so every time the SDK
 * derives from it is one too (the protocol's times are integers). `fallback` when no sample is
 * usable.
 */
export function clockOffset(samples: readonly ClockSample[], fallback: number): number {
  let best: ClockSample | undefined;
  for (const sample of samples) {
    const rtt = sample.received - sample.sent;
    if (!Number.isFinite(rtt) || rtt < 0 || !Number.isFinite(sample.serverTime)) continue;
    if (!best || rtt < best.received - best.sent) best = sample;
  }
  if (!best) return Math.round(fallback);
  return Math.round(best.serverTime - (best.sent + best.received) / 2);
}

/** The server's time for a client clock reading and an offset: whole milliseconds. */
export function serverTimeAt(localNow: number, offset: number): number {
  return Math.round(localNow + offset);
}
