import { STATUS_CODES } from 'node:http';
import { errorBody, type ErrorCode } from '../../client-sdk/src/protocol/index.js';
import type { HttpResponse } from '../transport/uws.js';

/** Ends a HEAD answer: its length, no body (uWS's JavaScript fallback lacks that call: no body). */
function headEnd(res: HttpResponse, length: number): void {
  try {
    res.endWithoutBody(length);
  } catch {
    res.end();
  }
}

/** Headers every answer carries. */
const COMMON = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } as const;

/** What uWS's response API needs kept in mind: it lives until aborted or ended, once. */
export class Reply {
  private aborted = false;
  private ended = false;

  /** `head`: answer a HEAD request (headers and length, no body). */
  constructor(
    private readonly res: HttpResponse,
    private readonly head = false,
  ) {
    // uWS requires this before the handler returns whenever the answer may come later
    res.onAborted(() => {
      this.aborted = true;
    });
  }

  /** False once the client went away or the answer was sent. */
  get open(): boolean {
    return !this.aborted && !this.ended;
  }

  send(
    status: number,
    body: string | Buffer,
    type: string,
    headers: Readonly<Record<string, string>> = {},
  ): void {
    if (!this.open) return;
    this.ended = true;
    this.res.cork(() => {
      this.res.writeStatus(`${status} ${STATUS_CODES[status] ?? 'Unknown'}`);
      this.res.writeHeader('content-type', type);
      for (const [name, value] of Object.entries({ ...COMMON, ...headers }))
        this.res.writeHeader(name, value);
      if (this.head) headEnd(this.res, Buffer.byteLength(body));
      else this.res.end(body);
    });
  }

  json(status: number, value: unknown, headers?: Readonly<Record<string, string>>): void {
    this.send(status, JSON.stringify(value), 'application/json', headers);
  }

  /** The error envelope every HTTP error uses: `{ ok: false, error: { code, message, retryable } }`. */
  error(
    status: number,
    code: ErrorCode,
    message: string,
    headers?: Readonly<Record<string, string>>,
  ): void {
    this.json(status, { ok: false, error: errorBody(code, message) }, headers);
  }

  /**
   * The request body, refused with 413 at the first chunk beyond `limit` (the rest is not read).
   * Resolves with null when it was refused or the client went away.
   */
  body(limit: number): Promise<Buffer | null> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      this.res.onData((chunk, last) => {
        if (!this.open) return;
        size += chunk.byteLength;
        if (size > limit) {
          this.error(413, 'PAYLOAD_TOO_LARGE', `Bodies may be at most ${limit} bytes`);
          resolve(null);
          return;
        }
        // uWS reuses the chunk's memory after this call: copy it
        chunks.push(Buffer.from(chunk.slice(0)));
        if (last) resolve(Buffer.concat(chunks));
      });
      this.res.onAborted(() => {
        this.aborted = true;
        resolve(null);
      });
    });
  }
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearer(header: string): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(header)?.[1];
}
