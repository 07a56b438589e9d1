import { type ChildProcess, spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Histogram } from '../support/histogram.ts';
import type {
  ConnectReport,
  StreamTarget,
  WindowReport,
  WorkerCommand,
  WorkerReply,
} from './worker-protocol.ts';

const WORKER = fileURLToPath(new URL('./sse-client-worker.ts', import.meta.url));
const REPLY_TIMEOUT_MS = 60_000;
/** The lowest CPU priority, for the replay storm's clients (see `ClientPool`'s constructor). */
export const STORM_NICENESS = 19;

/** Totals of one measurement window across every worker. */
export interface PoolWindow {
  deliveries: number;
  latency: Histogram;
  dropped: number;
  open: number;
}

export interface PoolConnect {
  opened: number;
  failed: number;
  firstError: string | undefined;
  connectTime: Histogram;
  elapsedMs: number;
}

/** One client worker process and the replies it owes. */
class Worker {
  readonly #child: ChildProcess;
  readonly #waiting: ((reply: WorkerReply) => void)[] = [];
  readonly ready: Promise<WorkerReply>;

  constructor(cpus: string, niceness: number) {
    this.#child = spawn('taskset', ['-c', cpus, process.execPath, '--import', 'tsx', WORKER], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    if (niceness && this.#child.pid) setPriority(this.#child.pid, niceness);
    this.#child.on('message', (reply: WorkerReply) => this.#waiting.shift()?.(reply));
    this.ready = this.#reply();
  }

  ask<T extends WorkerReply>(command: WorkerCommand): Promise<T> {
    const reply = this.#reply() as Promise<T>;
    this.#child.send(command);
    return reply;
  }

  tell(command: WorkerCommand): void {
    this.#child.send(command);
  }

  #reply(): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('client worker did not answer')), REPLY_TIMEOUT_MS);
      this.#waiting.push((reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
    });
  }

  stop(): void {
    this.#child.kill('SIGTERM');
  }
}

/**
 * Several client worker processes pinned to the load generator's cores; streams are spread
 * evenly across them (each process stays under its file-descriptor limit).
 */
export class ClientPool {
  readonly #workers: Worker[];
  #size = 0;

  /**
   * `niceness` (0–19) lowers the workers' CPU priority: clients whose events are not measured
   * (a replay storm's) then cannot delay, on the shared generator core, the clients that are.
   */
  constructor(processes: number, cpus: string, niceness = 0) {
    this.#workers = Array.from({ length: processes }, () => new Worker(cpus, niceness));
  }

  async ready(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.ready));
  }

  /** Open streams held by the pool. */
  get size(): number {
    return this.#size;
  }

  /** Opens `count` more streams, spread over the workers, `concurrency` connects in flight per worker. */
  async connect(
    target: StreamTarget,
    count: number,
    concurrency = 100,
    timeoutMs = 10_000,
  ): Promise<PoolConnect> {
    const n = this.#workers.length;
    let first = 0;
    const reports = await Promise.all(
      this.#workers.map((w, i) => {
        const share = Math.floor(count / n) + (i < count % n ? 1 : 0);
        // Distinct resume ids: each worker gets its own slice of them.
        const ids = target.lastEventIds?.slice(first, first + share);
        first += share;
        const own = ids === undefined ? target : { ...target, lastEventIds: ids };
        return w.ask<ConnectReport>({ type: 'connect', target: own, count: share, concurrency, timeoutMs });
      }),
    );
    const connectTime = new Histogram();
    for (const r of reports) connectTime.merge(r.connectTime);
    const opened = reports.reduce((sum, r) => sum + r.opened, 0);
    this.#size += opened;
    return {
      opened,
      failed: reports.reduce((sum, r) => sum + r.failed, 0),
      firstError: reports.find((r) => r.firstError)?.firstError,
      connectTime,
      elapsedMs: Math.max(...reports.map((r) => r.elapsedMs)),
    };
  }

  windowStart(): void {
    for (const w of this.#workers) w.tell({ type: 'window-start' });
  }

  async windowEnd(): Promise<PoolWindow> {
    const reports = await Promise.all(this.#workers.map((w) => w.ask<WindowReport>({ type: 'window-end' })));
    const latency = new Histogram();
    for (const r of reports) latency.merge(r.latency);
    return {
      deliveries: reports.reduce((sum, r) => sum + r.deliveries, 0),
      latency,
      dropped: reports.reduce((sum, r) => sum + r.dropped, 0),
      open: reports.reduce((sum, r) => sum + r.open, 0),
    };
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.ask({ type: 'close-all' })));
    this.#size = 0;
  }

  stop(): void {
    for (const w of this.#workers) w.stop();
  }
}
