import type { Frame } from './frame.ts';

/**
 * What the hub writes a stream through: one per open stream, one kind per protocol (an
 * HTTP/1.1 chunked socket, an HTTP/2 stream, a plain response; see server/stream/transports.ts).
 * The hub deals in frames and never in a protocol's bytes.
 */
export interface StreamTransport {
  /**
   * Called at the stream's catch-up turn, right before its first frame: the response head
   * goes out then, so that it leaves with that frame.
   */
  start(): void;
  /** Queues `frame` for the client, after everything written before. */
  write(frame: Frame): void;
  /**
   * Queues `frames` for the client as one write (one syscall where the protocol allows), after
   * everything written before, and calls `flushed` once they have left (taken by the kernel or
   * the HTTP/2 session) or the stream is gone: a catch-up writes its next run only then.
   */
  writeRun(frames: readonly Frame[], flushed: () => void): void;
  /** Ends the stream, after `frame` when given. */
  end(frame?: Frame): void;
  /** Cuts the stream at once (the client reconnects and resyncs). */
  destroy(): void;
  /** Bytes written but not yet taken by the client (what eviction measures). */
  readonly unsentBytes: number;
}
