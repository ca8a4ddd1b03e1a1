import type { PresencePort } from '../../../rooms/index.js';

/** In-process presence: a set of members per room. */
export class MemoryPresence implements PresencePort {
  private readonly rooms = new Map<string, Set<string>>();

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
}
