import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capturedLogger } from '../../test/support/log-capture.ts';
import { SampledWarning } from './sampled-warning.ts';

test('logs the first occurrence, then at most one line per interval with how many it left out', async () => {
  const { logger, entries } = capturedLogger('warn');
  let now = 0;
  const warning = new SampledWarning(logger, 'stream refused', () => now, 10_000);
  for (let i = 0; i < 50; i++) {
    warning.warn({ reason: 'too-many-clients' });
    now += 100; // 50 refusals over 5 s
  }
  now = 10_000;
  warning.warn({ reason: 'too-many-clients' });
  await new Promise((resolve) => setTimeout(resolve, 20));
  const lines = entries();
  assert.equal(lines.length, 2);
  assert.equal(lines[0]?.alsoRefusedSinceLastLine, undefined);
  assert.equal(lines[1]?.alsoRefusedSinceLastLine, 49);
});
