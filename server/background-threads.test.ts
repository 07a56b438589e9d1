import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { threadNiceness } from '../test/support/thread-niceness.ts';
import { BACKGROUND_NICENESS } from './background-threads.ts';

const MODULE = fileURLToPath(new URL('./background-threads.ts', import.meta.url));
const SUPPORT = fileURLToPath(new URL('../test/support/thread-niceness.ts', import.meta.url));

describe('yieldToEventLoop', () => {
  test('lowers every other thread of the process to the background priority, and the main thread not at all', () => {
    // In a process of its own: the test runner's threads stay as they are.
    const script = `
      import { yieldToEventLoop } from ${JSON.stringify(MODULE)};
      import { threadNiceness } from ${JSON.stringify(SUPPORT)};
      const lowered = yieldToEventLoop();
      console.log(JSON.stringify({ lowered, ...threadNiceness(process.pid) }));
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    const { lowered, main, others } = JSON.parse(out) as { lowered: number; main: number; others: number[] };
    assert.ok(lowered >= 1, 'V8 starts helper threads with the process');
    assert.equal(main, threadNiceness(process.pid).main, 'the event loop keeps its priority');
    assert.equal(
      others.filter((nice) => nice === BACKGROUND_NICENESS).length,
      lowered,
      `nice values: ${others.join(' ')}`,
    );
  });
});
