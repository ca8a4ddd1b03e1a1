import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { CodedError } from '../../../client-sdk/src/protocol/index.js';

/** One journalled call: which port, which operation, its arguments and what it drew at random. */
export interface JournalEntry {
  port: string;
  op: string;
  args: unknown[];
  /** Random values the call used (hold secrets), so a replay makes the same ids. */
  drawn?: string[];
}

export interface JournalOptions {
  /** Most entries in one transaction. */
  maxBatch?: number;
  /** How long an entry may wait for others to share its commit. */
  flushMs?: number;
  /** A commit failed: the journal is broken from now on (said once, for the error log). */
  onBroken?: (error: Error) => void;
}

/**
 * An append-only journal in SQLite (WAL, `synchronous=FULL`: a commit is on disk when it returns,
 * through power loss too), group-committed: entries appended within `flushMs` (or until
 * `maxBatch`) share one transaction, and each append resolves once its entry is committed. The
 * embedded engine answers a claim or a checkout only then, so what a buyer was told survives
 * `kill -9`. better-sqlite3 is synchronous: a commit holds the event loop for its fsync (about
 * 0.1-0.5 ms here; see BENCHMARKS.md).
 */
export class Journal {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[string, string, string, string | null]>;
  /** Writes waiting for the next commit, in order: journal entries, or other tables' writes. */
  private pending: {
    write: JournalEntry | (() => void);
    done: () => void;
    failed: (e: unknown) => void;
  }[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly maxBatch: number;
  private readonly flushMs: number;
  /** Entries committed since the journal opened (for metrics and tests). */
  committed = 0;
  /**
   * Why the last commit failed (a full disk, a lost file): the process's memory is then ahead of
   * its file, so nothing more is written or answered (every write is refused, the engine is not
   * ready) until it restarts from the file.
   */
  broken: Error | null = null;

  constructor(
    readonly file: string,
    private readonly options: JournalOptions = {},
  ) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file, { timeout: 0 });
    // one process per file: a second server on the same DATA_DIR is refused at start, not
    // allowed to write a second story of the same drops
    this.db.pragma('locking_mode = EXCLUSIVE');
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.exec('BEGIN IMMEDIATE; COMMIT');
    } catch (error) {
      this.db.close();
      throw new Error(
        `${file} is in use by another process (one server per DATA_DIR): ${(error as Error).message}`,
        { cause: error },
      );
    }
    this.db.pragma('synchronous = FULL');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS journal (' +
        'n INTEGER PRIMARY KEY AUTOINCREMENT, port TEXT NOT NULL, op TEXT NOT NULL, ' +
        'args TEXT NOT NULL, drawn TEXT)',
    );
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS snapshots (port TEXT PRIMARY KEY, data TEXT NOT NULL)',
    );
    this.insert = this.db.prepare(
      'INSERT INTO journal (port, op, args, drawn) VALUES (?, ?, ?, ?)',
    );
    this.maxBatch = options.maxBatch ?? 512;
    this.flushMs = options.flushMs ?? 2;
  }

  /** A port's entries committed so far, oldest first. */
  *entries(port: string): Generator<JournalEntry> {
    const rows = this.db
      .prepare('SELECT port, op, args, drawn FROM journal WHERE port = ? ORDER BY n')
      .iterate(port) as IterableIterator<{
      port: string;
      op: string;
      args: string;
      drawn: string | null;
    }>;
    for (const row of rows) {
      const entry: JournalEntry = {
        port: row.port,
        op: row.op,
        args: JSON.parse(row.args) as unknown[],
      };
      if (row.drawn !== null) entry.drawn = JSON.parse(row.drawn) as string[];
      yield entry;
    }
  }

  /** A port's last snapshot (its state as of the journal entries it replaced). */
  snapshotOf(port: string): unknown {
    const row = this.db.prepare('SELECT data FROM snapshots WHERE port = ?').get(port) as
      { data: string } | undefined;
    return row ? (JSON.parse(row.data) as unknown) : undefined;
  }

  /**
   * Replaces a port's journal so far with a snapshot of its state: in the next commit, after
   * every entry appended before this call (so the snapshot and the entries it replaces go
   * together, and a restart reads the snapshot, then only the entries after it).
   */
  compact(port: string, snapshot: unknown): Promise<void> {
    const data = JSON.stringify(snapshot);
    return this.write(() => {
      this.db
        .prepare('INSERT OR REPLACE INTO snapshots (port, data) VALUES (?, ?)')
        .run(port, data);
      this.db.prepare('DELETE FROM journal WHERE port = ?').run(port);
    });
  }

  /** The file's database, for stores that keep tables of their own beside the journal. */
  get database(): Database.Database {
    return this.db;
  }

  /** Appends an entry; resolves once it is committed (rejects if the journal cannot write). */
  append(entry: JournalEntry): Promise<void> {
    return this.enqueue(entry);
  }

  /** Runs a write of another table in the next commit, in order with the entries. */
  write(run: () => void): Promise<void> {
    return this.enqueue(run);
  }

  private enqueue(write: JournalEntry | (() => void)): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the journal is closed'));
    if (this.broken) return Promise.reject(unavailable(this.broken));
    return new Promise((done, failed) => {
      this.pending.push({ write, done, failed });
      if (this.pending.length >= this.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
    });
  }

  /** Commits what is pending now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    try {
      this.db.transaction(() => {
        for (const { write } of batch) {
          if (typeof write === 'function') {
            write();
            continue;
          }
          this.insert.run(
            write.port,
            write.op,
            JSON.stringify(write.args),
            write.drawn && write.drawn.length > 0 ? JSON.stringify(write.drawn) : null,
          );
        }
      })();
    } catch (error) {
      const first = this.broken === null;
      this.broken = error instanceof Error ? error : new Error(String(error));
      for (const p of batch) p.failed(unavailable(this.broken));
      if (first) this.options.onBroken?.(this.broken);
      return;
    }
    this.committed += batch.length;
    for (const p of batch) p.done();
  }

  /** Commits what is pending and closes the file. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    if (!this.broken) this.flush();
    this.closed = true;
    this.db.close();
  }
}

const unavailable = (cause: Error) =>
  new CodedError('UNAVAILABLE', 'The server cannot write its journal; retry on another server', {
    cause,
  });
