import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tokensMatch } from './auth.ts';

describe('tokensMatch', () => {
  const table: [string, string, boolean][] = [
    ['s3cret', 's3cret', true],
    ['s3cret', 's3creT', false],
    ['s3cre', 's3cret', false],
    ['s3cret-and-more', 's3cret', false],
    ['', 's3cret', false],
    ['ünï', 'ünï', true],
  ];
  for (const [presented, expected, result] of table) {
    test(`${JSON.stringify(presented)} against ${JSON.stringify(expected)} → ${result}`, () => {
      // Different lengths must not throw: timingSafeEqual only ever sees two equal-length digests.
      assert.equal(tokensMatch(presented, expected), result);
    });
  }
});
