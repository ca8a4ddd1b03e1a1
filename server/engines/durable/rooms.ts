import type { RoomEvent } from '../../../client-sdk/src/protocol/index.js';
import type { RoomRecord } from '../../../rooms/index.js';
import { DEDUPE_WINDOW_MS } from '../../../rooms/index.js';
import type { HistoryStore, RestoredRoom, StoredRoom } from '../memory/history.js';
import type { Journal } from './journal.js';

/**
 * The embedded engine's rooms and their recent events, kept in two tables beside the journal
 * (written in the journal's commits, in order, without holding up chat: a crash loses at most the
 * newest events, and a client that saw them is told `recovered: false` when it resumes). Trimmed
 * as the memory log is, so the file holds what the memory holds.
 */
export class DurableRooms implements HistoryStore {
  private readonly db;
  private readonly statements;

  constructor(private readonly journal: Journal) {
    this.db = journal.database;
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS rooms (id TEXT PRIMARY KEY, record TEXT NOT NULL, ' +
        'ended INTEGER NOT NULL, expires_at INTEGER, last_seq INTEGER NOT NULL);' +
        'CREATE TABLE IF NOT EXISTS events (room TEXT NOT NULL, seq INTEGER NOT NULL, ' +
        'event TEXT NOT NULL, dedupe TEXT, at INTEGER, PRIMARY KEY (room, seq)) WITHOUT ROWID;',
    );
    this.statements = {
      room: this.db.prepare(
        'INSERT INTO rooms (id, record, ended, expires_at, last_seq) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT (id) DO UPDATE SET record = excluded.record, ended = excluded.ended, ' +
          'expires_at = excluded.expires_at, last_seq = max(rooms.last_seq, excluded.last_seq)',
      ),
      event: this.db.prepare(
        'INSERT OR REPLACE INTO events (room, seq, event, dedupe, at) VALUES (?, ?, ?, ?, ?)',
      ),
      trim: this.db.prepare('DELETE FROM events WHERE room = ? AND seq < ?'),
      removeRoom: this.db.prepare('DELETE FROM rooms WHERE id = ?'),
      removeEvents: this.db.prepare('DELETE FROM events WHERE room = ?'),
    };
  }

  room(roomId: string, room: StoredRoom): void {
    const row = [
      roomId,
      JSON.stringify(room.record),
      room.ended ? 1 : 0,
      room.expiresAt,
      room.lastSeq,
    ] as const;
    this.later(() => this.statements.room.run(...row));
  }

  event(roomId: string, event: RoomEvent, dedupe?: { key: string; at: number }): void {
    const row = [roomId, event.seq, JSON.stringify(event), dedupe?.key ?? null, dedupe?.at ?? null];
    this.later(() => this.statements.event.run(...row));
  }

  trimmed(roomId: string, seq: number): void {
    this.later(() => this.statements.trim.run(roomId, seq));
  }

  removed(roomId: string): void {
    this.later(() => {
      this.statements.removeRoom.run(roomId);
      this.statements.removeEvents.run(roomId);
    });
  }

  /** Every room kept, with its newest `tail` events and its recent dedupe keys. */
  load(tail: number, now: number): RestoredRoom[] {
    const rooms = this.db
      .prepare('SELECT id, record, ended, expires_at, last_seq FROM rooms')
      .all() as {
      id: string;
      record: string;
      ended: number;
      expires_at: number | null;
      last_seq: number;
    }[];
    const events = this.db.prepare(
      'SELECT seq, event, dedupe, at FROM events WHERE room = ? ORDER BY seq DESC LIMIT ?',
    );
    return rooms.map((r) => {
      const rows = (
        events.all(r.id, tail) as {
          seq: number;
          event: string;
          dedupe: string | null;
          at: number | null;
        }[]
      ).reverse();
      const kept = rows.map((row) => JSON.parse(row.event) as RoomEvent);
      return {
        roomId: r.id,
        record: JSON.parse(r.record) as RoomRecord,
        ended: r.ended === 1,
        expiresAt: r.expires_at,
        // chat appends do not rewrite the room's row: its last seq is its newest event's
        lastSeq: Math.max(r.last_seq, kept.at(-1)?.seq ?? 0),
        events: kept,
        sent: rows.flatMap((row, i) =>
          row.dedupe !== null && row.at !== null && now - row.at < DEDUPE_WINDOW_MS
            ? [{ key: row.dedupe, at: row.at, event: kept[i] as RoomEvent }]
            : [],
        ),
      };
    });
  }

  private later(write: () => void): void {
    this.journal.write(write).catch(() => undefined);
  }
}
