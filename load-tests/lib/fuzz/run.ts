import fc from 'fast-check';
import { FuzzConnection, type Outcome } from './connection.js';
import { frameArbitrary, type FrameKind, type FrameLimits, type FuzzFrame } from './frames.js';

export interface FuzzRunOptions {
  url: string;
  frames: number;
  connections: number;
  seed: number;
  limits: FrameLimits;
  /** Handshake auths to connect with, used in turn (tokens of several users, anonymous). */
  auths: Record<string, unknown>[];
  /** How long a frame may wait for its answer before it counts as unanswered. */
  deadlineMs: number;
  /** Asked between frames: false stops the run (the server died). */
  alive(): boolean;
}

export interface FuzzTally {
  sent: number;
  outcomes: Record<Outcome, number>;
  byKind: Partial<Record<FrameKind, Record<Outcome, number>>>;
  /** Connections the server closed, by the close code the client saw. */
  closeCodes: Record<string, number>;
  /** The same, by the kind of frame that was answered with the close: `kind code` → count. */
  closesByKind: Record<string, number>;
  /** Connections opened (the server refusing one counts in `refusedConnections`). */
  connections: number;
  refusedConnections: number;
  /** A few frames that went unanswered, for the report. */
  unansweredSamples: string[];
  /** The error codes of the answers, by code (INTERNAL would be a server bug the fuzz found). */
  errorCodes: Record<string, number>;
}

const empty = (): Record<Outcome, number> => ({
  answered: 0,
  closed: 0,
  ignored: 0,
  unanswered: 0,
});

/**
 * Sends `frames` fuzz frames over `connections` concurrent connections (each frame waits for its
 * outcome before the next on that connection; a closed connection is replaced). Frames come
 * from fast-check, seeded, so a run can be repeated exactly.
 */
export async function runFuzz(options: FuzzRunOptions): Promise<FuzzTally> {
  const tokens = options.auths.map((a) => (typeof a['token'] === 'string' ? a['token'] : ''));
  const arbitrary = frameArbitrary(options.limits, tokens);
  const tally: FuzzTally = {
    sent: 0,
    outcomes: empty(),
    byKind: {},
    closeCodes: {},
    closesByKind: {},
    connections: 0,
    refusedConnections: 0,
    unansweredSamples: [],
    errorCodes: {},
  };
  let drawn = 0;
  let batch: FuzzFrame[] = [];
  const next = (): FuzzFrame | undefined => {
    if (drawn >= options.frames) return undefined;
    if (batch.length === 0)
      batch = fc.sample(arbitrary, {
        seed: options.seed + drawn,
        numRuns: Math.min(500, options.frames - drawn),
      });
    drawn++;
    return batch.shift();
  };

  const worker = async (slot: number) => {
    let connection: FuzzConnection | null = null;
    let opened = 0;
    for (let frame = next(); frame; frame = next()) {
      if (!options.alive()) return;
      while (!connection?.isOpen) {
        connection?.close();
        const auth = options.auths[(slot + opened++) % options.auths.length] ?? {};
        connection = await FuzzConnection.open(options.url, auth);
        if (connection) {
          tally.connections++;
          // most connections join the fuzz room first, so room requests go past "join first"
          if ((slot + opened) % 4 !== 0) {
            const id = connection.ackId();
            const join = `42${id}${JSON.stringify(['room:join', { roomId: 'fuzz' }])}`;
            await connection.send([{ text: join }], id, options.deadlineMs);
          }
        } else tally.refusedConnections++;
        if (!options.alive()) return;
      }
      const ackId = frame.acked ? connection.ackId() : undefined;
      const result = await connection.send(frame.parts(ackId ?? 0), ackId, options.deadlineMs);
      tally.sent++;
      tally.outcomes[result.outcome]++;
      const kind = (tally.byKind[frame.kind] ??= empty());
      kind[result.outcome]++;
      if (result.code) tally.errorCodes[result.code] = (tally.errorCodes[result.code] ?? 0) + 1;
      if (result.outcome === 'closed') {
        const code = String(result.closeCode ?? 'none');
        tally.closeCodes[code] = (tally.closeCodes[code] ?? 0) + 1;
        const byKind = `${frame.kind} ${code}`;
        tally.closesByKind[byKind] = (tally.closesByKind[byKind] ?? 0) + 1;
      }
      if (result.outcome === 'unanswered' && tally.unansweredSamples.length < 5) {
        const sample = frame
          .parts(ackId ?? 0)
          .map((p) => ('text' in p ? p.text.slice(0, 120) : '(bytes)'));
        tally.unansweredSamples.push(`${frame.kind}: ${sample.join(' + ')}`);
      }
    }
    connection?.close();
  };
  await Promise.all(Array.from({ length: options.connections }, (_, i) => worker(i)));
  return tally;
}
