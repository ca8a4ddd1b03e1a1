import type { ChatMessage } from '../client-sdk/src/protocol/index.js';
import { RawJson } from './transport/raw-json.js';

interface Entry {
  messages: readonly ChatMessage[];
  raw: RawJson;
}

/** Rooms' audiences remembered at once (each entry is one snapshot's chat, a few KB). */
const ENTRIES = 256;

/**
 * The chat of room snapshots, stringified once per room, seq and audience: a flash crowd's
 * joiners get the same recent messages, so each join reuses the JSON the first one made (joins
 * spend most of their encoding on it). A member whose chat differs (its own withheld messages,
 * masked copies) gets its own.
 */
export class SnapshotChatCache {
  private readonly entries = new Map<string, Entry>();

  /** The chat as raw JSON: the one made for the same messages, or a new one. */
  chat(key: string, messages: readonly ChatMessage[]): ChatMessage[] {
    const known = this.entries.get(key);
    if (known && sameMessages(known.messages, messages))
      return known.raw as unknown as ChatMessage[];
    const raw = new RawJson(JSON.stringify(messages));
    this.entries.delete(key);
    this.entries.set(key, { messages, raw });
    if (this.entries.size > ENTRIES) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    return raw as unknown as ChatMessage[];
  }
}

/** The same message objects in the same order (rooms hand out the objects they keep). */
function sameMessages(a: readonly ChatMessage[], b: readonly ChatMessage[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
