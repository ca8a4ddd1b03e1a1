/**
 * Just enough of the socket.io wire format (v5 over Engine.IO v4) to answer a packet the server
 * will not decode: one too large to take. See https://socket.io/docs/v4/socket-io-protocol/.
 */

/** The head of a socket.io packet in an Engine.IO message: its type, namespace, ack id, event. */
export interface PacketHead {
  /** 0 CONNECT, 2 EVENT, 5 BINARY_EVENT, and so on. */
  type: number;
  /** `/` or the namespace the packet names. */
  nsp: string;
  ackId: string;
  /** The event name of an EVENT, when it can be read from the head. */
  event: string | undefined;
}

const HEAD = /^([0-6])(?:\d+-)?(\/[^,]*,)?(\d*)(?:\[\s*"([^"\\]{0,64})")?/;

/** Reads a socket.io packet's head from the start of its text (the Engine.IO type stripped). */
export function packetHead(text: string): PacketHead | undefined {
  const match = HEAD.exec(text.slice(0, 160));
  if (!match) return undefined;
  const [, type = '', nsp, ackId = '', event] = match;
  return { type: Number(type), nsp: nsp ? nsp.slice(0, -1) : '/', ackId, event };
}

/** The namespace part of a packet (empty for the main namespace). */
const nspPart = (nsp: string) => (nsp === '/' ? '' : `${nsp},`);

/** An Engine.IO message carrying socket.io's CONNECT_ERROR with this data. */
export function connectErrorFrame(nsp: string, message: string, data: unknown): string {
  return `44${nspPart(nsp)}${JSON.stringify({ message, data })}`;
}

/** An Engine.IO message carrying socket.io's ACK with these arguments. */
export function ackFrame(nsp: string, ackId: string, args: unknown[]): string {
  return `43${nspPart(nsp)}${ackId}${JSON.stringify(args)}`;
}

/** A socket.io EVENT packet (without the Engine.IO message type), with an ack id or none. */
export function eventPacket(nsp: string, ackId: string, args: unknown[]): string {
  return `2${nspPart(nsp)}${ackId}${JSON.stringify(args)}`;
}

/** An Engine.IO message carrying a socket.io EVENT. */
export function eventFrame(nsp: string, event: string, payload: unknown): string {
  return `4${eventPacket(nsp, '', [event, payload])}`;
}
