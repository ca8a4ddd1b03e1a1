import type { Logger } from 'pino';
import { ARRIVAL_MEMORY_MS, type PresencePort } from '../../../rooms/index.js';
import { guarded, type RedisClient } from './connection.js';
import type { Keys } from './keys.js';

/**
 * Viewer counts across nodes. Each node keeps its members in memory and reports its count per
 * room to Redis, with a heartbeat; counting sums the nodes heard from within the TTL, so a node
 * that died stops counting by itself. Heartbeats also restore the counts after Redis lost them.
 */
export class RedisPresence implements PresencePort {
  private readonly rooms = new Map<string, Set<string>>();
  private readonly heartbeat: ReturnType<typeof setInterval>;

  constructor(
    private readonly nodeId: string,
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {
    this.heartbeat = setInterval(() => void this.beat(), Math.max(200, Math.floor(ttlMs / 3)));
    this.heartbeat.unref();
  }

  async add(roomId: string, memberId: string): Promise<void> {
    let members = this.rooms.get(roomId);
    if (!members) {
      members = new Set();
      this.rooms.set(roomId, members);
    }
    if (members.has(memberId)) return;
    members.add(memberId);
    await this.report(roomId, members.size);
  }

  async remove(roomId: string, memberId: string): Promise<void> {
    const members = this.rooms.get(roomId);
    if (!members?.delete(memberId)) return;
    if (members.size === 0) this.rooms.delete(roomId);
    await this.report(roomId, members.size);
  }

  async arrived(roomId: string, userId: string, now: number): Promise<number> {
    const key = this.keys.arrivals(roomId);
    const replies = await guarded(() =>
      this.redis
        .multi()
        .hsetnx(key, userId, now)
        .hget(key, userId)
        .pexpire(key, ARRIVAL_MEMORY_MS)
        .exec(),
    );
    const [error, at] = replies?.[1] ?? [new Error('no reply'), null];
    if (error) throw error;
    return Number(at);
  }

  async count(roomId: string): Promise<number> {
    return (await guarded(() =>
      this.redis.presenceCount(
        this.keys.presenceCounts(roomId),
        this.keys.presenceSeen(roomId),
        this.ttlMs,
      ),
    )) as number;
  }

  /** Stops heartbeating and withdraws this node's members. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    const rooms = [...this.rooms.keys()];
    this.rooms.clear();
    await Promise.allSettled(rooms.map((roomId) => this.report(roomId, 0)));
  }

  private async report(roomId: string, members: number): Promise<void> {
    await guarded(() =>
      this.redis.presenceReport(
        this.keys.presenceCounts(roomId),
        this.keys.presenceSeen(roomId),
        this.nodeId,
        members,
        this.ttlMs,
      ),
    );
  }

  private async beat(): Promise<void> {
    const reports = [...this.rooms].map(([roomId, members]) => this.report(roomId, members.size));
    const failed = (await Promise.allSettled(reports)).filter((r) => r.status === 'rejected');
    if (failed.length > 0 && failed.length === reports.length)
      this.logger.debug({ rooms: failed.length }, 'presence heartbeat failed');
  }
}
