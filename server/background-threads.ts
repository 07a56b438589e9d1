import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The nice value given to the process's other threads: they run when the event loop leaves a core idle. */
export const BACKGROUND_NICENESS = 19;

/**
 * Lowers the scheduling priority of every thread of this process but the main one: V8's
 * compiler and garbage-collector helpers, started with the process. On a core the event loop
 * shares with them (a container with one CPU, a pinned process), a reconnect storm otherwise
 * makes them compile and mark at the very moments the event loop is busiest, and live events
 * wait for the core (`npm run bench:replay -- --redis`: live p99 3 to 5 times its calm value on
 * the first storm after a start, about 1.2 times with this). With a core to spare, nothing
 * changes. Threads started later (libuv's pool, for files) keep the default priority.
 *
 * Linux only, where a thread's nice value is its own and /proc lists the threads; elsewhere,
 * nothing. Returns the number of threads lowered.
 */
export function yieldToEventLoop(niceness = BACKGROUND_NICENESS): number {
  if (process.platform !== 'linux') return 0;
  let lowered = 0;
  for (const entry of readdirSync('/proc/self/task')) {
    const tid = Number(entry);
    if (tid === process.pid) continue;
    try {
      setPriority(tid, niceness);
      lowered++;
    } catch {
      // Gone meanwhile, or not allowed: it keeps the default priority, which is only slower.
    }
  }
  return lowered;
}
