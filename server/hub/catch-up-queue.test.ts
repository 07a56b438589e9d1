import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CATCH_UPS_PER_TURN, CatchUpQueue } from './catch-up-queue.ts';

test(`gives ${CATCH_UPS_PER_TURN} catch-ups a turn per setImmediate turn, in arrival order`, async () => {
  const queue = new CatchUpQueue();
  const started: number[] = [];
  const turns = Array.from({ length: 2 * CATCH_UPS_PER_TURN + 1 }, (_, i) =>
    queue.turn().then(() => started.push(i)),
  );
  // Queued after the queue's first turn: by then that turn (and its promise callbacks) has run.
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(started.length, CATCH_UPS_PER_TURN, 'the first turn');
  await Promise.all(turns);
  assert.deepEqual(
    started,
    Array.from({ length: 2 * CATCH_UPS_PER_TURN + 1 }, (_, i) => i),
  );
});
