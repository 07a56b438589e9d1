import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Frame } from './frame.ts';
import { MAX_CACHED_REPLAYS, type Replay, ReplayCache } from './replay-cache.ts';

/** A reader that counts its reads and answers a replay named after the id. */
function countingReader() {
  const reads: string[] = [];
  const read = async (id: string): Promise<Replay> => {
    reads.push(id);
    return { lastId: id, runs: [[new Frame(`after ${id}`)]] };
  };
  return { reads, read };
}

describe('ReplayCache', () => {
  test('clients resuming from the same id share one read', async () => {
    const cache = new ReplayCache();
    const { reads, read } = countingReader();
    const [a, b] = await Promise.all([cache.get('5', read), cache.get('5', read)]);
    assert.equal(a, b);
    assert.deepEqual(reads, ['5']);
  });

  test(`keeps at most ${MAX_CACHED_REPLAYS} replays, dropping the oldest`, async () => {
    const cache = new ReplayCache();
    const { reads, read } = countingReader();
    for (let i = 0; i <= MAX_CACHED_REPLAYS; i++) await cache.get(String(i), read);
    await cache.get(String(MAX_CACHED_REPLAYS), read); // the newest: kept
    await cache.get('0', read); // the oldest: dropped, read again
    assert.equal(reads.length, MAX_CACHED_REPLAYS + 2);
    assert.equal(reads.at(-1), '0');
  });

  test('a failed read is not served to the next client, which reads again', async () => {
    const cache = new ReplayCache();
    let fail = true;
    const read = async (id: string): Promise<Replay> => {
      if (fail) throw new Error('store down');
      return { lastId: id, runs: [] };
    };
    await assert.rejects(cache.get('1', read), /store down/);
    fail = false;
    assert.equal((await cache.get('1', read))?.lastId, '1');
  });

  test('clear() forgets every replay', async () => {
    const cache = new ReplayCache();
    const { reads, read } = countingReader();
    await cache.get('1', read);
    cache.clear();
    await cache.get('1', read);
    assert.deepEqual(reads, ['1', '1']);
  });
});
