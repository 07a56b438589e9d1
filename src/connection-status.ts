/**
 * Where the connection stands, as shown to the user. A `const` object plus a type of the same
 * name, like Lit's `TaskStatus`: `status === ConnectionStatus.live` reads well and is typed.
 */
export const ConnectionStatus = {
  /** No `src`: nothing to connect to. */
  idle: 'idle',
  connecting: 'connecting',
  live: 'live',
  /** The connection dropped; the browser or the element is reconnecting. */
  reconnecting: 'reconnecting',
  /** The user pressed Stop: no network traffic until Resume. */
  stopped: 'stopped',
  /** The server ended the stream (`closedConnection` or a `204`): no reconnection. */
  closed: 'closed',
  /** The stream failed (non-200 answer, wrong content type, network); a retry is scheduled. */
  error: 'error',
} as const;
export type ConnectionStatus = (typeof ConnectionStatus)[keyof typeof ConnectionStatus];
