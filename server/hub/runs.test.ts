import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Frame } from './frame.ts';
import { RUN_BYTES, runBytes, runsOf } from './runs.ts';

const frames = (...texts: string[]) => texts.map((text) => new Frame(text));
const texts = (runs: Frame[][]) => runs.map((run) => run.map((frame) => frame.text).join('|'));

describe('runsOf', () => {
  test('groups consecutive frames into runs of at most runBytes, in order, losing and repeating none', () => {
    const runs = runsOf(frames('aa', 'bb', 'cc', 'dddd', 'e'), 5);
    assert.deepEqual(texts(runs), ['aa|bb', 'cc', 'dddd|e']);
    assert.deepEqual(runs.map(runBytes), [4, 2, 5]);
  });

  test('a frame larger than a run (a big snapshot) is a run of its own, written as it is', () => {
    const [snapshot] = frames('x'.repeat(RUN_BYTES + 1));
    const runs = runsOf([...frames('a'), snapshot as Frame, ...frames('b')]);
    assert.equal(runs.length, 3);
    assert.equal(runs[1]?.[0]?.bytes.length, RUN_BYTES + 1);
  });

  test('hands on the frames themselves: a catch-up copies no bytes', () => {
    const given = frames('id: 1\n\n', 'id: 2\n\n');
    const [run] = runsOf(given);
    assert.equal(run?.[0], given[0]);
    assert.equal(run?.[1], given[1]);
  });

  test('no bytes, no run', () => {
    assert.deepEqual(runsOf([]), []);
    assert.deepEqual(runsOf(frames('')), []);
  });
});
