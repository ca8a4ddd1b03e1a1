import type { ChatMessage, Product, StreamInfo } from '../../client-sdk/src/protocol/index.js';

/** The part of a room's state that control events change; stored whole with every control event. */
export interface ControlState {
  stream: StreamInfo;
  slowModeSeconds: number;
  pinned: ChatMessage[];
  /** The stream's products, in listing order. */
  products: Product[];
  /** Ids of pinned products, oldest pin first. */
  pinnedProducts: string[];
}
