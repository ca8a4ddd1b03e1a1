import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * `ok`: answers at once; `slow`: answers after `slowMs`, or only when released; `down`: drops
 * the connection (or answers `downStatus`); `429`: rate limited (with `retryAfter`); `garbage`:
 * a 200 whose body is not the moderation shape.
 */
export type ClassifierMode = 'ok' | 'slow' | 'down' | '429' | 'garbage';

/** A text containing `word` (any case) scores `score` in `category`. */
export interface ScoreRule {
  word: string;
  category: string;
  score: number;
}

export interface ModeOptions {
  /** `429`: the `retry-after` header in seconds; null: none. Default 30. */
  retryAfter?: number | null;
  /** `slow`: answer after this many milliseconds. Default: only on `release()`. */
  slowMs?: number;
  /** `down`: answer this status instead of dropping the connection. */
  downStatus?: number;
  /** `garbage`: the body. Default: JSON of another shape. */
  garbage?: string;
}

export interface ClassifierRequest {
  mode: ClassifierMode;
  authorization: string | undefined;
  /** The parsed JSON body (the raw text when it is not JSON). */
  body: unknown;
}

export interface ClassifierServer {
  url: string;
  /** Every request received, in order, whatever the mode did with it. */
  readonly requests: ClassifierRequest[];
  mode(mode: ClassifierMode, options?: ModeOptions): void;
  /** Answers every request `slow` holds (with scores, as `ok` would). */
  release(): void;
  /** Resolves once `count` requests in all have been received. */
  received(count: number): Promise<void>;
  /** Closes the server and every connection; safe to call twice. */
  close(): Promise<void>;
}

/**
 * An OpenAI-compatible moderation endpoint on loopback, port 0, scoring by `rules`: each rule's
 * category is in every answer (scored 0.01 unless its word is in the input); a category at 0.5
 * or more is flagged.
 */
export async function startClassifierServer(rules: ScoreRule[]): Promise<ClassifierServer> {
  const requests: ClassifierRequest[] = [];
  const events = new EventEmitter();
  const held = new Set<() => void>();
  const timers = new Set<NodeJS.Timeout>();
  let current: { mode: ClassifierMode; options: ModeOptions } = { mode: 'ok', options: {} };

  const answer = (res: ServerResponse, body: unknown) => {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(scores(body)));
  };
  const scores = (body: unknown) => {
    const input =
      typeof body === 'object' && body !== null && 'input' in body ? String(body.input) : '';
    const category_scores: Record<string, number> = {};
    for (const { word, category, score } of rules) {
      const found = input.toLowerCase().includes(word.toLowerCase()) ? score : 0.01;
      category_scores[category] = Math.max(category_scores[category] ?? 0, found);
    }
    const categories = Object.fromEntries(
      Object.entries(category_scores).map(([c, s]) => [c, s >= 0.5]),
    );
    const flagged = Object.values(categories).some(Boolean);
    return { id: 'modr-test', model: 'test', results: [{ flagged, categories, category_scores }] };
  };

  const handle = (req: IncomingMessage, res: ServerResponse, text: string) => {
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // recorded as text
    }
    const { mode, options } = current;
    requests.push({ mode, authorization: req.headers.authorization, body });
    events.emit('request');
    if (mode === 'ok') return answer(res, body);
    if (mode === 'slow') {
      const release = () => answer(res, body);
      held.add(release);
      res.on('close', () => held.delete(release));
      if (options.slowMs !== undefined) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          held.delete(release);
          release();
        }, options.slowMs);
        timers.add(timer);
      }
      return;
    }
    if (mode === 'down') {
      if (options.downStatus === undefined) return req.socket.destroy();
      return res.writeHead(options.downStatus).end();
    }
    if (mode === '429') {
      const retryAfter = options.retryAfter === undefined ? 30 : options.retryAfter;
      const headers = retryAfter === null ? {} : { 'retry-after': String(retryAfter) };
      return res.writeHead(429, headers).end('{"error":{"message":"rate limited"}}');
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(options.garbage ?? '{"results":{"verdict":"fine"}}');
  };

  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => handle(req, res, text));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/v1/moderations`,
    requests,
    mode(mode, options = {}) {
      current = { mode, options };
    },
    release() {
      const waiting = [...held];
      held.clear();
      for (const release of waiting) release();
    },
    async received(count) {
      while (requests.length < count) await once(events, 'request');
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        held.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
