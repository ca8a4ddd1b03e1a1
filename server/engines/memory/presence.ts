import { ARRIVAL_MEMORY_MS, type PresencePort } from '../../../rooms/index.js';

/** In-process presence: a set of members per room. */
export class MemoryPresence implements PresencePort {
  private readonly rooms = new Map<string, Set<string>>();
  private readonly arrivals = new Map<string, number>();

  add(roomId: string, memberId: string): Promise<void> {
    let members = this.rooms.get(roomId);
    if (!members) {
      members = new Set();
      this.rooms.set(roomId, members);
    }
    members.add(memberId);
    return Promise.resolve();
  }

  remove(roomId: string, memberId: string): Promise<void> {
    const members = this.rooms.get(roomId);
    if (members?.delete(memberId) && members.size === 0) this.rooms.delete(roomId);
    return Promise.resolve();
  }

  count(roomId: string): Promise<number> {
    return Promise.resolve(this.rooms.get(roomId)?.size ?? 0);
  }

  arrived(roomId: string, userId: string, now: number): Promise<number> {
    // insertion order is arrival order: forget the oldest past their memory
    for (const [key, at] of this.arrivals) {
      if (at > now - ARRIVAL_MEMORY_MS) break;
      this.arrivals.delete(key);
    }
    const key = `${roomId}\n${userId}`;
    const at = this.arrivals.get(key) ?? now;
    if (!this.arrivals.has(key)) this.arrivals.set(key, at);
    return Promise.resolve(at);
  }
}
