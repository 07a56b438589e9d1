import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FlightEvent, flightEvent, type StreamEvent } from '../../../protocol/protocol.ts';
import { RecentEvents } from './recent-events.ts';

const event = (n: number): StreamEvent => flightEvent(`1700000000000-${n}`, FlightEvent.stateUpdate, { n });

describe('RecentEvents', () => {
  test('from the base or any event held: exactly the events after it, the same objects every time', () => {
    const recent = new RecentEvents(10, '1700000000000-0');
    const events = Array.from({ length: 5 }, (_, i) => event(i + 1));
    for (const e of events) recent.push(e);
    assert.deepEqual(recent.after('1700000000000-0'), events);
    for (const [i, e] of events.entries()) {
      const after = recent.after(e.id);
      assert.deepEqual(after, events.slice(i + 1));
      assert.ok(
        after?.every((a, k) => a === events[i + 1 + k]),
        'shared, not copies',
      );
    }
  });

  test('an id it does not hold (between, ahead, older than what it keeps) → undefined: Redis is asked', () => {
    const recent = new RecentEvents(3, '0-0');
    for (let n = 1; n <= 20; n++) recent.push(event(n));
    assert.equal(recent.after('1700000000000-21'), undefined, 'ahead');
    assert.equal(recent.after('1700000000000-1'), undefined, 'trimmed');
    assert.equal(recent.after('0-0'), undefined, 'the old base is gone');
    assert.equal(recent.after('1700000000000-5-'), undefined);
    assert.deepEqual(
      recent.after('1700000000000-18')?.map((e) => e.id),
      [event(19).id, event(20).id],
    );
  });

  test('keeps at least `capacity` events, at most twice that', () => {
    const recent = new RecentEvents(4, '0-0');
    for (let n = 1; n <= 100; n++) {
      recent.push(event(n));
      if (n >= 5) assert.ok(recent.after(event(n - 4).id) !== undefined, `after #${n}`);
    }
    assert.equal(recent.after(event(90).id), undefined);
  });

  test('reset: a lost stream forgets everything, and the new head is the base', () => {
    const recent = new RecentEvents(4, '0-0');
    recent.push(event(1));
    recent.reset('0-0');
    assert.deepEqual(recent.after('0-0'), []);
    assert.equal(recent.after(event(1).id), undefined);
  });
});
