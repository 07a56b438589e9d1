import { Agent, request } from 'node:http';
import { monotonicMicros } from '../support/monotonic.ts';

/** How a server takes a bench write: method, path and headers; the body is `{"state":"<µs>"}`. */
export interface PublishRoute {
  method: 'POST' | 'PATCH';
  path: string;
  headers: Record<string, string>;
}

export interface PublishStats {
  sent: number;
  acknowledged: number;
  failed: number;
  /** Sends skipped because `maxInFlight` writes were still unanswered (the server is saturated). */
  skipped: number;
}

/** Publishes timestamped writes over keep-alive HTTP/1.1, open loop (a rate) or closed loop. */
export class Publisher {
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 16 });
  readonly #port: number;
  readonly #route: PublishRoute;
  #inFlight = 0;
  #running = false;
  #idle: (() => void) | undefined;
  stats: PublishStats = { sent: 0, acknowledged: 0, failed: 0, skipped: 0 };

  constructor(port: number, route: PublishRoute) {
    this.#port = port;
    this.#route = route;
  }

  /** One write; resolves when the server answered (whatever the status: failures are counted). */
  publish(): Promise<void> {
    const body = `{"state":"${monotonicMicros()}"}`;
    this.stats.sent++;
    this.#inFlight++;
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        if (ok) this.stats.acknowledged++;
        else this.stats.failed++;
        this.#inFlight--;
        if (this.#inFlight === 0) this.#idle?.();
        resolve();
      };
      const req = request(
        {
          agent: this.#agent,
          host: '127.0.0.1',
          port: this.#port,
          method: this.#route.method,
          path: this.#route.path,
          headers: {
            ...this.#route.headers,
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => done(res.statusCode === 200));
        },
      );
      req.on('error', () => done(false));
      req.end(body);
    });
  }

  /** Publishes `rate` writes per second until `stop()`, never more than `maxInFlight` unanswered. */
  startOpenLoop(rate: number, maxInFlight = 8): void {
    this.#running = true;
    const period = 1000 / rate;
    const started = performance.now();
    let due = 0;
    const tick = () => {
      if (!this.#running) return;
      const now = performance.now();
      while (started + due * period <= now) {
        due++;
        if (this.#inFlight >= maxInFlight) this.stats.skipped++;
        else void this.publish();
      }
      setTimeout(tick, Math.max(0, started + due * period - performance.now()));
    };
    tick();
  }

  /** Publishes as fast as the server answers, with `depth` writes in flight. */
  startClosedLoop(depth = 4): void {
    this.#running = true;
    const loop = async () => {
      while (this.#running) await this.publish();
    };
    for (let i = 0; i < depth; i++) void loop();
  }

  /** Stops publishing and waits (at most `timeoutMs`) for the writes in flight. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.#running = false;
    if (this.#inFlight === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#idle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#idle = undefined;
  }

  resetStats(): void {
    this.stats = { sent: 0, acknowledged: 0, failed: 0, skipped: 0 };
  }

  close(): void {
    this.#agent.destroy();
  }
}
