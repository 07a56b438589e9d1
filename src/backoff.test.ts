import { expect } from '@open-wc/testing';
import { backoffDelay } from './backoff.ts';

describe('backoffDelay(attempt, base 100, max 1000)', () => {
  const lowest = () => 0;
  const highest = () => 0.999999;

  for (const [attempt, ceiling] of [
    [0, 100],
    [1, 200],
    [2, 400],
    [3, 800],
    [4, 1000],
    [20, 1000],
  ] as const) {
    it(`attempt ${attempt} => between ${ceiling / 2} and ${ceiling} ms`, () => {
      expect(backoffDelay(attempt, 100, 1000, lowest)).to.equal(ceiling / 2);
      expect(backoffDelay(attempt, 100, 1000, highest)).to.be.closeTo(ceiling, 0.01);
    });
  }

  it('spreads clients over the interval (jitter)', () => {
    const delays = new Set(Array.from({ length: 20 }, () => backoffDelay(3, 100, 1000)));
    expect(delays.size).to.be.greaterThan(10);
    for (const delay of delays) expect(delay).to.be.within(400, 800);
  });
});
