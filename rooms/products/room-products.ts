import type { Product } from '../../client-sdk/src/protocol/index.js';
import type { RoomScope } from '../core/scope.js';
import { assertRole, type Identity } from '../model/identity.js';
import * as decide from './decisions.js';

/** A stream's products: listed, changed, removed and pinned by its host (or the merchant's backend). */
export class RoomProducts {
  constructor(private readonly room: RoomScope) {}

  /** The stream's products and the pinned ones' ids. */
  get list(): { products: Product[]; pinned: string[] } {
    const { state } = this.room;
    return { products: [...state.products], pinned: [...state.pinnedProducts] };
  }

  /** Lists a product in the stream, or changes a listed one. */
  upsert(identity: Identity, product: Product): Promise<{ seq: number }> {
    assertRole(identity, this.room, 'host', 'list products');
    return this.room.control((s) => decide.upsertProduct(this.room.id, s, product));
  }

  remove(identity: Identity, productId: string): Promise<{ seq: number }> {
    assertRole(identity, this.room, 'host', 'remove products');
    return this.room.control((s) => decide.removeProduct(this.room.id, s, productId));
  }

  pin(identity: Identity, productId: string): Promise<{ seq: number }> {
    assertRole(identity, this.room, 'host', 'pin products');
    return this.room.control((s) => decide.pinProduct(this.room.id, s, productId));
  }

  unpin(identity: Identity, productId: string): Promise<{ seq: number }> {
    assertRole(identity, this.room, 'host', 'unpin products');
    return this.room.control((s) => decide.unpinProduct(this.room.id, s, productId));
  }
}
