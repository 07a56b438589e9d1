import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConcurrencyLimit } from './concurrency-limit.ts';

test('ConcurrencyLimit runs at most `limit` tasks at once, all of them, first come first served, failures included', async () => {
  const limit = new ConcurrencyLimit(3);
  let running = 0;
  let most = 0;
  const order: number[] = [];
  const tasks = Array.from({ length: 20 }, (_, i) =>
    limit.run(async () => {
      running++;
      most = Math.max(most, running);
      order.push(i);
      await new Promise((resolve) => setTimeout(resolve, 2));
      running--;
      if (i === 7) throw new Error('task 7 failed');
      return i;
    }),
  );
  const results = await Promise.allSettled(tasks);
  assert.equal(most, 3);
  assert.deepEqual(
    order,
    Array.from({ length: 20 }, (_, i) => i),
  );
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 19, 'a failure frees its slot');
});
