/**
 * Version of the wire protocol. The server sends it in `server:hello`; a client built for another
 * major version should refuse to run rather than misread events.
 */
export const PROTOCOL_VERSION = 1;
