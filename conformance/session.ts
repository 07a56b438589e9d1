import { exec } from 'node:child_process';
import { openStream, probeHead, type StreamRecorder, type StreamRequest, type TlsTrust } from './client.ts';
import { Http2Pool } from './http2-pool.ts';
import type { Profile } from './types.ts';

/** Options of one conformance run (the CLI flags, as a library user passes them). */
export interface ConformanceOptions {
  /** The stream's URL, e.g. `http://localhost:5000/events`. */
  url: string;
  /** Origins the server is expected to allow (`--origin`, repeatable). Default none: CORS checks that need one skip. */
  origins?: string[];
  /** Run only these categories or check ids (`--only headers,replay.in-order`). Default all. */
  only?: string[];
  /** Leave out these categories or check ids (`--skip cors,heartbeat.max-gap`). Default none. */
  skip?: string[];
  /** Longest a single observation may wait (ms). Default 10000. */
  timeoutMs?: number;
  /** The largest silence a stream may keep before a heartbeat is due (ms). Default 30000. */
  heartbeatMs?: number;
  /** `flight-board` adds the payload and resume checks of the flight-board protocol. Default `generic`. */
  profile?: Profile;
  /** A failed SHOULD fails the run too. Default false. */
  strict?: boolean;
  /** Headers added to every request to the stream (e.g. a cookie or a token). */
  headers?: Record<string, string>;
  /** POSTed to whenever the kit needs the server to emit an event. */
  triggerUrl?: string;
  /** Headers of the trigger and close requests (e.g. `Authorization`). */
  triggerHeaders?: Record<string, string>;
  /** Shell command run whenever the kit needs the server to emit an event. */
  triggerCmd?: string;
  /** POSTed to (last) to end the stream; the kit then expects `204` on `GET url`. */
  closeUrl?: string;
  /** Events the main capture collects before it stops. Default 5. */
  sampleEvents?: number;
  /** Concurrent clients of `robustness.concurrent-clients`. Default 50. */
  clients?: number;
  /** Accept any TLS certificate (`--insecure`/`-k`). Default false. */
  insecure?: boolean;
  /** PEM text of a CA or self-signed certificate to trust (`--ca <file>` reads it). */
  ca?: string;
  /** The method of the stream requests (`--method`): GET (EventSource) or POST. Default GET. */
  method?: 'GET' | 'POST';
  /** The body of each POST (`--data <text|@file>`). */
  data?: string | Buffer;
  /**
   * Speak HTTP/2 (`--http2`): h2 by ALPN over TLS for https:, h2c with prior knowledge for http:,
   * every stream of the run on one multiplexed connection. Default false (HTTP/1.1).
   */
  http2?: boolean;
}

export type ResolvedOptions = Required<
  Omit<ConformanceOptions, 'triggerUrl' | 'triggerCmd' | 'closeUrl' | 'only' | 'skip' | 'ca' | 'data'>
> &
  Pick<ConformanceOptions, 'triggerUrl' | 'triggerCmd' | 'closeUrl' | 'ca' | 'data'>;

export const DEFAULTS = {
  timeoutMs: 10_000,
  heartbeatMs: 30_000,
  sampleEvents: 5,
  clients: 50,
} as const;

/** Headers arriving later than this after the request count as held back (ms). */
export const HEADERS_DEADLINE_MS = 1000;
/** A block whose bytes straddle more than this is reported as split (ms). */
export const SPLIT_EVENT_MS = 500;
const POKE_INTERVAL_MS = 250;

/**
 * Everything the checks share during one run: the options, the trigger, every connection
 * opened (closed at the end), and memoised observations so that checks reading the same
 * capture run it once while independent observations run concurrently.
 */
export class Session {
  readonly options: ResolvedOptions;
  readonly #streams = new Set<StreamRecorder>();
  readonly #memo = new Map<string, Promise<unknown>>();
  #lastPoke = 0;
  #poking: Promise<void> | undefined;

  /** The run's HTTP/2 connection (with --http2). */
  readonly http2: Http2Pool | undefined;

  constructor(options: ResolvedOptions) {
    this.options = options;
    this.http2 = options.http2 ? new Http2Pool(this.tls) : undefined;
  }

  /** The method and body of the run's stream requests (a check may override the method). */
  get #streamMethod(): { method?: string; body?: Buffer } {
    if (this.options.method !== 'POST') return {};
    const data = this.options.data ?? '';
    return { method: 'POST', body: typeof data === 'string' ? Buffer.from(data) : data };
  }

  /** The TLS trust of every connection the run opens. */
  get tls(): TlsTrust {
    return { insecure: this.options.insecure, ca: this.options.ca };
  }

  get timeout(): number {
    return this.options.timeoutMs;
  }

  get canTrigger(): boolean {
    return this.options.triggerUrl !== undefined || this.options.triggerCmd !== undefined;
  }

  /** Opens a stream to the target (or `url`) with the browser's headers plus the user's. */
  open(request: Partial<StreamRequest> = {}): StreamRecorder {
    const stream = openStream({
      tls: this.tls,
      http2: this.http2,
      ...this.#streamMethod,
      ...request,
      url: request.url ?? this.options.url,
      headers: { ...this.options.headers, ...request.headers },
    });
    this.#streams.add(stream);
    return stream;
  }

  /** Sends a request and returns once its head arrived (or the timeout passed). */
  async head(request: Partial<StreamRequest> = {}, timeoutMs = this.timeout): Promise<StreamRecorder> {
    const stream = await probeHead(
      {
        tls: this.tls,
        http2: this.http2,
        ...this.#streamMethod,
        ...request,
        url: request.url ?? this.options.url,
        headers: { ...this.options.headers, ...request.headers },
      },
      timeoutMs,
    );
    return stream;
  }

  /** Every stream the run opened so far (to judge every event the run saw, not one sample). */
  get streams(): readonly StreamRecorder[] {
    return [...this.#streams];
  }

  /** Runs `compute` once per key for the whole run. */
  memo<T>(key: string, compute: () => Promise<T>): Promise<T> {
    let value = this.#memo.get(key) as Promise<T> | undefined;
    if (!value) {
      value = compute();
      this.#memo.set(key, value);
    }
    return value;
  }

  /**
   * Waits until `predicate` holds on `stream`, poking the trigger (if any) while waiting.
   * Resolves false when `timeoutMs` passes or the stream ends first.
   */
  async collect(
    stream: StreamRecorder,
    predicate: (s: StreamRecorder) => boolean,
    timeoutMs: number,
  ): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (predicate(stream)) return true;
      const left = deadline - performance.now();
      if (left <= 0 || stream.ended) return predicate(stream);
      if (this.canTrigger) void this.poke();
      if (await stream.waitFor(predicate, Math.min(left, POKE_INTERVAL_MS))) return true;
    }
  }

  /** Makes the server emit an event, at most once per 250 ms across the run. */
  poke(): Promise<void> {
    if (this.#poking) return this.#poking;
    if (performance.now() - this.#lastPoke < POKE_INTERVAL_MS) return Promise.resolve();
    this.#lastPoke = performance.now();
    this.#poking = this.#runTrigger().finally(() => {
      this.#poking = undefined;
    });
    return this.#poking;
  }

  async #runTrigger(): Promise<void> {
    const { triggerUrl, triggerCmd, triggerHeaders } = this.options;
    const limit = Math.min(this.timeout, 5000);
    if (triggerUrl !== undefined) {
      await fetch(triggerUrl, {
        method: 'POST',
        headers: triggerHeaders,
        signal: AbortSignal.timeout(limit),
      })
        .then((response) => response.arrayBuffer())
        .catch(() => undefined);
    }
    if (triggerCmd !== undefined) {
      await new Promise<void>((resolve) => {
        exec(triggerCmd, { timeout: limit }, () => resolve());
      });
    }
  }

  /** POSTs to `url` with the trigger headers; returns the status (0 when unreachable). */
  async post(url: string): Promise<number> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: this.options.triggerHeaders,
        signal: AbortSignal.timeout(this.timeout),
      });
      await response.arrayBuffer();
      return response.status;
    } catch {
      return 0;
    }
  }

  /** Closes every connection the run opened. */
  dispose(): void {
    for (const stream of this.#streams) stream.close();
    this.#streams.clear();
    this.http2?.close();
  }
}
