import { type ClientHttp2Session, connect } from 'node:http2';
import type { TlsTrust } from './client.ts';

/**
 * The run's HTTP/2 connections, one per origin, shared by every stream as a browser shares one
 * connection per origin: h2 negotiated by ALPN over TLS for https:, h2c with prior knowledge for
 * http:. Streams of the run are multiplexed on it.
 */
export class Http2Pool {
  readonly #sessions = new Map<string, ClientHttp2Session>();
  /** When each origin's connection was up (performance.now()), for connect timings. */
  readonly #connectedAt = new Map<string, number>();
  readonly #tls: TlsTrust;

  constructor(tls: TlsTrust = {}) {
    this.#tls = tls;
  }

  /** The live connection to `url`'s origin, opened when none is (or the last one died). */
  session(url: URL): ClientHttp2Session {
    const origin = url.origin;
    const existing = this.#sessions.get(origin);
    if (existing && !existing.destroyed && !existing.closed) return existing;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const session = connect(origin, {
      rejectUnauthorized: !this.#tls.insecure,
      ca: this.#tls.ca,
      ...(url.protocol === 'https:'
        ? { ALPNProtocols: ['h2'], servername: /^[\d.:]+$/.test(host) ? '' : host }
        : {}),
    });
    // errors reach the streams through their own listeners; the session must not crash the run
    session.on('error', () => undefined);
    // Every stream opened while it connects waits for its 'connect' (the 50 concurrent clients
    // at once): not a leak, and Node's MaxListenersExceededWarning would land on the user's stderr.
    session.setMaxListeners(0);
    session.once('connect', () => this.#connectedAt.set(origin, performance.now()));
    this.#sessions.set(origin, session);
    return session;
  }

  /** performance.now() when `url`'s origin connection was up, or undefined while connecting. */
  connectedAt(url: URL): number | undefined {
    const session = this.#sessions.get(url.origin);
    return session && !session.connecting ? this.#connectedAt.get(url.origin) : undefined;
  }

  /** How many connections the run opened (1 per origin when multiplexing works). */
  get connections(): number {
    return this.#sessions.size;
  }

  close(): void {
    for (const session of this.#sessions.values()) session.destroy();
    this.#sessions.clear();
  }
}
