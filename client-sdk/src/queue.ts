import { CodedError } from './protocol/error-codes.js';
import type { ClientEventName, ClientRequest, ClientResponse } from './protocol/events.js';
import type { QueueStatus } from './protocol/queue.js';

/** What waiting in a room's line needs of the client. */
export interface QueueLink {
  send<E extends ClientEventName>(event: E, payload: ClientRequest<E>): Promise<ClientResponse<E>>;
  /** Follows `queue:update` for a room; returns the unsubscribe. */
  updates(roomId: string, listener: (status: QueueStatus) => void): () => void;
  /** Called on every reconnect (the node now serving this client must learn that it waits); returns the unsubscribe. */
  reconnects(listener: () => void): () => void;
  /** Tells the app where it stands (the client's `queue` event). */
  told(status: QueueStatus): void;
}

/** A wait in a line that can be given up. */
export interface LineWait {
  readonly turn: Promise<string>;
  /** The ticket, once the server gave one. */
  ticket(): string | undefined;
  cancel(): void;
}

/**
 * Takes a place in a room's line and resolves with the ticket once its turn came (join with it).
 * The same user keeps its place across reconnects, on any node; `cancel()` rejects with ROOM_FULL.
 */
export function waitInLine(link: QueueLink, roomId: string): LineWait {
  let ticket: string | undefined;
  let settle: { resolve(ticket: string): void; reject(error: unknown): void } | undefined;
  const turn = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  const offs: (() => void)[] = [];
  const finish = (outcome: { ticket: string } | { error: unknown }) => {
    for (const off of offs.splice(0)) off();
    if ('ticket' in outcome) settle?.resolve(outcome.ticket);
    else settle?.reject(outcome.error);
    settle = undefined;
  };
  const onStatus = (status: QueueStatus) => {
    if (!settle || status.roomId !== roomId) return;
    ticket = status.ticket;
    link.told(status);
    if (status.status === 'admitted') finish({ ticket: status.ticket });
  };
  const enter = () => {
    link.send('queue:enter', { roomId }).then(onStatus, (error: unknown) => {
      // a lost connection: the reconnect enters again; anything else ends the wait
      if (
        error instanceof CodedError &&
        (error.code === 'DISCONNECTED' || error.code === 'TIMEOUT')
      )
        return;
      finish({ error });
    });
  };
  offs.push(link.updates(roomId, onStatus), link.reconnects(enter));
  enter();
  return {
    turn,
    ticket: () => ticket,
    cancel: () => {
      if (ticket !== undefined) link.send('queue:leave', { roomId, ticket }).catch(() => undefined);
      finish({ error: new CodedError('ROOM_FULL', 'You left the line') });
    },
  };
}
