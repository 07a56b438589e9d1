import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PositionWaiters } from './waiters.ts';

describe('PositionWaiters', () => {
  test('a position already reached settles at once; a later one when advanced to or past it', async () => {
    const waiters = new PositionWaiters('5-0', 1000);
    await waiters.reach('4-9', () => new Error('late'));
    const settled: string[] = [];
    const a = waiters.reach('6-0', () => new Error('late')).then(() => settled.push('6-0'));
    const b = waiters.reach('7-0', () => new Error('late')).then(() => settled.push('7-0'));
    waiters.advance('6-5');
    await a;
    assert.deepEqual(settled, ['6-0']);
    waiters.advance('7-0');
    await b;
    assert.deepEqual(settled, ['6-0', '7-0']);
  });

  test('past its timeout a wait fails with the error its caller describes', async () => {
    const waiters = new PositionWaiters('0-0', 20);
    await assert.rejects(
      waiters.reach('1-0', () => new Error('not delivered in time')),
      /not delivered in time/,
    );
  });

  test('releaseAll lets every waiter go (a lost stream, a close) and moves the position', async () => {
    const waiters = new PositionWaiters('0-0', 1000);
    const pending = [waiters.reach('9-0', () => new Error('x')), waiters.reach('3-0', () => new Error('x'))];
    waiters.releaseAll('1-0');
    await Promise.all(pending);
    assert.equal(waiters.position, '1-0');
  });
});
