import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IDEMPOTENCY_TTL_MS, StoreError } from './flight-store.ts';
import { IdempotencyLog } from './idempotency-log.ts';

describe('IdempotencyLog', () => {
  test('a key answers its first outcome again without applying the write twice; no key applies every time', async () => {
    const log = new IdempotencyLog();
    let applied = 0;
    const write = async () => ++applied;
    assert.equal(await log.once('k', 'add A1', write), 1);
    assert.equal(await log.once('k', 'add A1', write), 1);
    assert.equal(await log.once(undefined, 'add A1', write), 2);
    assert.equal(applied, 2);
  });

  test('a refusal (exists, not-found) is recorded; a failure of the store is not (the write did not happen)', async () => {
    const log = new IdempotencyLog();
    const refuse = async () => {
      throw new StoreError('not-found', 'flight Z9 is not on the board');
    };
    await assert.rejects(log.once('r', 'remove Z9', refuse), /not on the board/);
    await assert.rejects(
      log.once('r', 'remove Z9', async () => 'applied'),
      /not on the board/,
    );
    let down = true;
    const flaky = async () => {
      if (down) throw new StoreError('unavailable', 'down');
      return 'applied';
    };
    await assert.rejects(log.once('u', 'add A1', flaky), /down/);
    down = false;
    assert.equal(await log.once('u', 'add A1', flaky), 'applied');
  });

  test('a key used for another write is refused with key-reused', async () => {
    const log = new IdempotencyLog();
    await log.once('k', 'add A1', async () => 1);
    await assert.rejects(
      log.once('k', 'remove A1', async () => 2),
      (error: unknown) => {
        return error instanceof StoreError && error.code === 'key-reused';
      },
    );
  });

  test('keys expire after 24 h, and at most `capacity` are kept (the oldest go first)', async () => {
    let now = 0;
    const log = new IdempotencyLog(2, () => now);
    let applied = 0;
    const write = async () => ++applied;
    await log.once('a', 'w', write);
    now = IDEMPOTENCY_TTL_MS + 1;
    assert.equal(await log.once('a', 'w', write), 2, 'expired: applied again');
    await log.once('b', 'w', write);
    await log.once('c', 'w', write);
    assert.equal(await log.once('a', 'w', write), 5, 'the oldest was dropped at capacity');
  });
});
