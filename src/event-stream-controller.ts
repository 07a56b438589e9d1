import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { LAST_EVENT_ID_PARAM } from '../protocol/protocol.ts';
import { backoffDelay } from './backoff.ts';
import { ConnectionStatus } from './connection-status.ts';

export { ConnectionStatus } from './connection-status.ts';

export interface EventStreamOptions {
  /** Event names to listen for; each received event is passed to `onEvent`. */
  events: readonly string[];
  onEvent(type: string, data: string): void;
  onStatus?(status: ConnectionStatus): void;
}

/**
 * Owns one EventSource for a Lit host: opens it while the host is connected and has a `src`,
 * closes it when the host leaves the DOM, remembers the last event id so a resumed or retried
 * stream continues where it stopped, and retries with backoff where the browser gives up.
 *
 * The browser reconnects by itself after a dropped connection (status `reconnecting`), but a
 * non-200 answer or a wrong content type "fails the connection" for good (readyState CLOSED).
 * The EventSource API does not say which status came back, and a `204` must end the stream
 * while a `503` must be retried. So, once per failure and only then, the controller asks with
 * one `fetch` of the same URL (headers only; the body, if any, is aborted at once) and reads the
 * status: `204` closes for good, anything else schedules a retry with backoff, and says why
 * (`lastError`: "404 Not Found", "not an event stream: text/html", or a fetch that failed outright,
 * which is how a CORS refusal and an unreachable server both look). A stream that fails before it
 * ever opened is treated the same way, whatever the browser would do. The reference server sends
 * CORS headers on the `204` too, so this works cross-origin.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#fail-the-connection
 */
export class EventStreamController implements ReactiveController {
  status: ConnectionStatus = ConnectionStatus.idle;
  /** The id of the last event received; sent as `?lastEventId=` when resuming or retrying. */
  lastEventId = '';
  /** The first retry delay after a failure (ms); it doubles per failure. Default: 1000. */
  retryDelay = 1000;
  /** The longest retry delay (ms). Default: 30000. */
  maxRetryDelay = 30000;
  /** Why the stream last failed (e.g. "404 Not Found"); '' once it is live again. */
  lastError = '';
  #source: EventSource | undefined;
  #probe: AbortController | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #attempt = 0;
  #src = '';
  #withCredentials = false;
  #connected = false;
  readonly #host: ReactiveControllerHost;
  readonly #options: EventStreamOptions;

  constructor(host: ReactiveControllerHost, options: EventStreamOptions) {
    this.#host = host;
    this.#options = options;
    host.addController(this);
  }

  /** Points the controller at a stream; a new target starts afresh (no last id carried over). */
  configure(src: string, withCredentials: boolean): void {
    if (src === this.#src && withCredentials === this.#withCredentials) return;
    this.#src = src;
    this.#withCredentials = withCredentials;
    this.lastEventId = '';
    // A stopped board stays stopped (no traffic) until Resume, whatever its target.
    if (this.#connected && this.status !== ConnectionStatus.stopped) this.#open();
  }

  hostConnected(): void {
    this.#connected = true;
    const { status } = this;
    if (status !== ConnectionStatus.stopped && status !== ConnectionStatus.closed) this.#open();
  }

  hostDisconnected(): void {
    this.#connected = false;
    this.#close();
  }

  /** Closes the stream at once; nothing more is fetched until `resume()`. */
  stop(): void {
    this.#close();
    this.#setStatus(ConnectionStatus.stopped);
  }

  /** Reopens the stream after the last event id seen, so nothing in between is missed. */
  resume(): void {
    this.#attempt = 0;
    this.#open();
  }

  /** Closes for good: used when the server says the stream is over. */
  finish(): void {
    this.#close();
    this.#setStatus(ConnectionStatus.closed);
  }

  #open(): void {
    this.#close();
    if (!this.#src) {
      this.#setStatus(ConnectionStatus.idle);
      return;
    }
    const source = new EventSource(this.#url(), { withCredentials: this.#withCredentials });
    this.#source = source;
    this.#setStatus(this.#attempt ? ConnectionStatus.reconnecting : ConnectionStatus.connecting);
    let opened = false;
    source.onopen = () => {
      opened = true;
      this.#attempt = 0;
      this.lastError = '';
      this.#setStatus(ConnectionStatus.live);
    };
    source.onerror = () => {
      if (source !== this.#source) return;
      // A stream that never opened failed, even where the browser would retry it by itself
      // (Chromium retries a CORS refusal or a refused connection every 3 s and says nothing).
      if (source.readyState === EventSource.CLOSED || !opened) void this.#failed();
      else this.#setStatus(ConnectionStatus.reconnecting);
    };
    for (const type of this.#options.events) {
      source.addEventListener(type, (event) => {
        if (source !== this.#source) return; // a late event from a stream we already left
        const { data, lastEventId } = event as MessageEvent<string>;
        if (lastEventId) this.lastEventId = lastEventId;
        this.#options.onEvent(type, data);
      });
    }
  }

  /** The browser gave up: ask once why (see the class comment), then close or retry. */
  async #failed(): Promise<void> {
    this.#close();
    const probe = new AbortController();
    this.#probe = probe;
    let status = 0;
    let reason = '';
    try {
      const response = await fetch(this.#url(), {
        headers: { accept: 'text/event-stream' },
        credentials: this.#withCredentials ? 'include' : 'same-origin',
        cache: 'no-store',
        signal: probe.signal,
      });
      status = response.status;
      const type = response.headers.get('content-type') ?? '';
      reason = response.ok
        ? type.startsWith('text/event-stream')
          ? ''
          : `not an event stream: ${type}`
        : `${status} ${response.statusText}`.trim();
    } catch {
      // fetch tells a CORS refusal no better than a server that is down.
      reason = 'blocked by CORS or unreachable';
    }
    probe.abort(); // never read a body: if the stream is back, the EventSource will take it
    if (this.#probe !== probe) return; // stopped, retargeted or removed meanwhile
    this.#probe = undefined;
    if (status === 204) {
      this.finish();
      return;
    }
    // Once per reason, not once per retry: the console is for people, not a retry log.
    if (reason !== this.lastError) console.warn(`<flight-board> ${this.#src}: ${reason}`);
    this.lastError = reason;
    // After the probe, so the status (and its event) carries the reason.
    this.#setStatus(ConnectionStatus.error);
    const delay = backoffDelay(this.#attempt++, this.retryDelay, this.maxRetryDelay);
    this.#timer = setTimeout(() => this.#open(), delay);
  }

  #close(): void {
    this.#source?.close();
    this.#source = undefined;
    this.#probe?.abort();
    this.#probe = undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #url(): string {
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
