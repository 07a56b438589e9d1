import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CATCH_UP_BYTES_PER_TURN,
  CATCH_UPS_PER_TURN,
  CatchUpQueue,
  MAX_WRITING_CATCH_UPS,
} from './catch-up-queue.ts';
import { RUN_BYTES } from './runs.ts';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('CatchUpQueue', () => {
  test(`gives ${CATCH_UPS_PER_TURN} catch-ups a turn per setImmediate turn, in arrival order`, async () => {
    const queue = new CatchUpQueue();
    const started: number[] = [];
    const turns = Array.from({ length: 2 * CATCH_UPS_PER_TURN + 1 }, (_, i) =>
      queue.turn().then(() => started.push(i)),
    );
    // Queued after the queue's first turn: by then that turn (and its promise callbacks) has run.
    await nextTurn();
    assert.equal(started.length, CATCH_UPS_PER_TURN, 'the first turn');
    await Promise.all(turns);
    assert.deepEqual(
      started,
      Array.from({ length: 2 * CATCH_UPS_PER_TURN + 1 }, (_, i) => i),
    );
  });

  test(`gives room for ${CATCH_UP_BYTES_PER_TURN} bytes of writes per turn, in arrival order`, async () => {
    const queue = new CatchUpQueue();
    const perTurn = CATCH_UP_BYTES_PER_TURN / RUN_BYTES;
    await queue.room(CATCH_UP_BYTES_PER_TURN); // the turn's bytes, all taken
    const written: number[] = [];
    const writes = Array.from({ length: 2 * perTurn + 1 }, (_, i) =>
      queue.room(RUN_BYTES).then(() => written.push(i)),
    );
    await nextTurn();
    assert.equal(written.length, perTurn, 'the first turn');
    await nextTurn();
    assert.equal(written.length, 2 * perTurn, 'the second turn');
    await Promise.all(writes);
    assert.deepEqual(
      written,
      Array.from({ length: 2 * perTurn + 1 }, (_, i) => i),
    );
  });

  test('a write that fits in what is left of the turn, with none waiting, has room at once', async () => {
    const queue = new CatchUpQueue();
    let now = false;
    const first = queue.room(RUN_BYTES).then(() => {
      now = true;
    });
    await Promise.resolve(); // a microtask: no turn of the event loop
    assert.equal(now, true);
    await first;
    let later = false;
    void queue.room(CATCH_UP_BYTES_PER_TURN).then(() => {
      later = true;
    });
    await Promise.resolve();
    assert.equal(later, false, 'more than is left: at the next turn');
    await nextTurn();
    assert.equal(later, true);
  });

  test('a write larger than a turn still gets its turn, alone', async () => {
    const queue = new CatchUpQueue();
    const written: string[] = [];
    const writes = [
      queue.room(2 * CATCH_UP_BYTES_PER_TURN).then(() => written.push('big')),
      queue.room(1).then(() => written.push('small')),
    ];
    await nextTurn();
    assert.deepEqual(written, ['big']);
    await Promise.all(writes);
    assert.deepEqual(written, ['big', 'small']);
  });

  test(`starts no catch-up while ${MAX_WRITING_CATCH_UPS} are waiting to write, and starts them once those are written`, async () => {
    const queue = new CatchUpQueue();
    await queue.room(CATCH_UP_BYTES_PER_TURN); // the turn's bytes, all taken
    const writes = Array.from({ length: MAX_WRITING_CATCH_UPS }, () => queue.room(RUN_BYTES));
    let started = false;
    const start = queue.turn().then(() => {
      started = true;
    });
    await nextTurn();
    assert.equal(started, false, 'held while the writers wait');
    await Promise.all([...writes, start]);
    assert.equal(started, true);
  });
});
