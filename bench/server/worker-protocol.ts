import type { HistogramData } from '../support/histogram.ts';

/** Where a client worker's streams connect, and the extra request headers they send. */
export interface StreamTarget {
  port: number;
  path: string;
  headers?: Record<string, string>;
  /**
   * Read the body without looking at it. For clients whose events are not measured (a replay
   * storm's): decoding and scanning their 40 MB would load the generator's core, which the live
   * clients being measured share.
   */
  discardBody?: boolean;
  /** Stream `i` resumes from `lastEventIds[i]` (its own `Last-Event-ID`): clients resuming from distinct places. */
  lastEventIds?: string[];
}

/** Orders from the bench to a client worker (over the child-process IPC channel). */
export type WorkerCommand =
  | { type: 'connect'; target: StreamTarget; count: number; concurrency: number; timeoutMs: number }
  | { type: 'window-start' }
  | { type: 'window-end' }
  | { type: 'close-all' };

export interface ConnectReport {
  type: 'connected';
  opened: number;
  failed: number;
  /** Why the first failed stream failed, if any did. */
  firstError?: string;
  /** Time from `connect()` to the response headers, in µs. */
  connectTime: HistogramData;
  elapsedMs: number;
}

export interface WindowReport {
  type: 'window';
  /** Events carrying a bench timestamp received during the window. */
  deliveries: number;
  /** Publish → receive latency of those events, in µs. */
  latency: HistogramData;
  /** Streams that ended or failed during the window. */
  dropped: number;
  open: number;
}

export type WorkerReply = ConnectReport | WindowReport | { type: 'closed' } | { type: 'ready' };

/**
 * The bench marks each write's publish time in `state`, the first field of the data (a snapshot's
 * flights start with `flight`, so they never match); clients look for this to time it.
 */
export const TIMESTAMP_MARKER = '{"state":"';
