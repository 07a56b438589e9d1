import { StringDecoder } from 'node:string_decoder';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** What a stream client saw of an SSE response. */
export interface RawResponse {
  status: number;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Every byte of the body (de-chunked over HTTP/1.1), as text. */
  body: string;
  events: EventSourceMessage[];
  comments: string[];
  retry: number | undefined;
}

export interface RawRequest {
  path: string;
  method?: string;
  headers?: Record<string, string>;
}

/**
 * The part every test stream client shares, whatever its protocol: the record of the response,
 * its events parsed as the body arrives, and waiting for a condition on them. A client feeds it
 * body bytes (`receive`) and says when the response ended (`finish`).
 */
export abstract class SseRecorder {
  readonly response: RawResponse = {
    status: 0,
    headers: {},
    body: '',
    events: [],
    comments: [],
    retry: undefined,
  };
  #ended = false;
  #waiters: (() => void)[] = [];
  readonly #decoder = new StringDecoder('utf8');
  readonly #parser = createParser({
    onEvent: (event) => this.response.events.push(event),
    onComment: (comment) => this.response.comments.push(comment),
    onRetry: (retry) => {
      this.response.retry = retry;
    },
  });

  /** @param over — the protocol, named in timeout messages ("over HTTP/2"). */
  constructor(readonly over: string) {}

  get ended(): boolean {
    return this.#ended;
  }

  /** Waits until `predicate` holds for what was received, or fails after `timeoutMs`. */
  async waitFor(
    predicate: (r: RawResponse) => boolean,
    timeoutMs = 3000,
    what = 'condition',
  ): Promise<RawResponse> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.response)) {
      const left = deadline - Date.now();
      if (left <= 0 || this.#ended) {
        if (predicate(this.response)) break;
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what} ${this.over}; saw status ${this.response.status}, body:\n${this.response.body}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.response;
  }

  /** Waits until at least `count` events arrived. */
  waitForEvents(count: number, timeoutMs = 3000): Promise<RawResponse> {
    return this.waitFor((r) => r.events.length >= count, timeoutMs, `${count} events`);
  }

  /** Waits for the server to end the response. */
  waitForEnd(timeoutMs = 3000): Promise<RawResponse> {
    return this.waitFor(() => this.#ended, timeoutMs, 'the end of the response');
  }

  /** Body bytes as they arrive (a character may be split across chunks). */
  protected receive(bytes: Buffer): void {
    const text = this.#decoder.write(bytes);
    this.response.body += text;
    this.#parser.feed(text);
  }

  /** The response ended (or the connection closed). */
  protected finish(): void {
    this.#ended = true;
    this.notify();
  }

  /** Wakes whoever waits: something arrived. */
  protected notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
