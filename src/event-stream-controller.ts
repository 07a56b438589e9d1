import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { LAST_EVENT_ID_PARAM } from './protocol.ts';

/** Where the connection stands, as shown to the user. */
export const ConnectionStatus = {
  idle: 'idle',
  connecting: 'connecting',
  live: 'live',
  reconnecting: 'reconnecting',
  stopped: 'stopped',
  closed: 'closed',
  error: 'error',
} as const;
export type ConnectionStatus = (typeof ConnectionStatus)[keyof typeof ConnectionStatus];

export interface EventStreamOptions {
  /** Event names to listen for; each received event is passed to `onEvent`. */
  events: readonly string[];
  onEvent(type: string, data: string, lastEventId: string): void;
  onStatus?(status: ConnectionStatus): void;
}

/**
 * Owns one EventSource for a Lit host: opens it while the host is connected and has a
 * `src`, closes it when the host leaves the DOM, and remembers the last event id so a
 * resumed stream continues where it stopped.
 */
export class EventStreamController implements ReactiveController {
  status: ConnectionStatus = ConnectionStatus.idle;
  lastEventId = '';
  #source: EventSource | undefined;
  #src = '';
  #withCredentials = false;
  #stopped = false;
  readonly #host: ReactiveControllerHost;
  readonly #options: EventStreamOptions;

  constructor(host: ReactiveControllerHost, options: EventStreamOptions) {
    this.#host = host;
    this.#options = options;
    host.addController(this);
  }

  /** Points the controller at a stream; reconnects when the target changed. */
  configure(src: string, withCredentials: boolean): void {
    if (src === this.#src && withCredentials === this.#withCredentials) return;
    this.#src = src;
    this.#withCredentials = withCredentials;
    this.lastEventId = '';
    if (this.#source || this.status === ConnectionStatus.idle) this.#open();
  }

  hostConnected(): void {
    if (!this.#stopped) this.#open();
  }

  hostDisconnected(): void {
    this.#close();
  }

  /** Closes the stream at once; nothing more is fetched until `resume()`. */
  stop(): void {
    this.#stopped = true;
    this.#close();
    this.#setStatus(ConnectionStatus.stopped);
  }

  /** Reopens the stream after the last event id seen, so nothing in between is missed. */
  resume(): void {
    this.#stopped = false;
    this.#open();
  }

  #open(): void {
    this.#close();
    if (!this.#src) return;
    const source = new EventSource(this.#urlWithLastId(), { withCredentials: this.#withCredentials });
    this.#source = source;
    this.#setStatus(ConnectionStatus.connecting);
    source.addEventListener('open', () => this.#setStatus(ConnectionStatus.live));
    source.addEventListener('error', () => {
      if (source !== this.#source) return;
      this.#setStatus(
        source.readyState === EventSource.CLOSED ? ConnectionStatus.error : ConnectionStatus.reconnecting,
      );
    });
    for (const type of this.#options.events) {
      source.addEventListener(type, (event) => {
        if (source !== this.#source) return; // a late event from a stream we already left
        const message = event as MessageEvent<string>;
        if (message.lastEventId) this.lastEventId = message.lastEventId;
        this.#options.onEvent(type, message.data, message.lastEventId);
      });
    }
  }

  /** Closes for good: used when the server says the stream is over. */
  finish(): void {
    this.#close();
    this.#setStatus(ConnectionStatus.closed);
  }

  #close(): void {
    this.#source?.close();
    this.#source = undefined;
  }

  #urlWithLastId(): string {
    if (!this.lastEventId) return this.#src;
    const url = new URL(this.#src, document.baseURI);
    url.searchParams.set(LAST_EVENT_ID_PARAM, this.lastEventId);
    return url.href;
  }

  #setStatus(status: ConnectionStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.#options.onStatus?.(status);
    this.#host.requestUpdate();
  }
}
