import type { Frame } from './frame.ts';

/**
 * Bytes of a catch-up written at a time. A replay goes out in runs of frames this size, each
 * after the previous one has left, a few per turn of the event loop: a live event then waits
 * behind a few runs, not behind megabytes (`npm run bench:replay -- --redis`).
 */
export const RUN_BYTES = 32 * 1024;

/**
 * `frames` in runs of consecutive frames of at most `runBytes` together (a frame larger than
 * that is a run of its own). A run is written as it is, the frames' own Buffers in one
 * vectored write: a catch-up copies and allocates no bytes of its own, whatever its size.
 */
export function runsOf(frames: readonly Frame[], runBytes = RUN_BYTES): Frame[][] {
  const runs: Frame[][] = [];
  let run: Frame[] = [];
  let bytes = 0;
  for (const frame of frames) {
    const size = frame.bytes.length;
    if (size === 0) continue;
    if (run.length > 0 && bytes + size > runBytes) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    run.push(frame);
    bytes += size;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/** The bytes of a run. */
export function runBytes(run: readonly Frame[]): number {
  return run.reduce((sum, frame) => sum + frame.bytes.length, 0);
}
