import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { formatText } from './report/text.ts';
import { runConformance } from './run.ts';
import { exitCodeOf } from './types.ts';

// Servers nobody here wrote, each with the verdict an expert would sign and its reason from the
// spec. python3 is required (it is on every CI image this project runs on); a missing one fails.
const RUN = { timeoutMs: 3000, heartbeatMs: 1500 };

async function startPython(script: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn('python3', [fileURLToPath(new URL(script, import.meta.url))], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await Promise.race([
    once(child.stdout as NodeJS.ReadableStream, 'data'),
    once(child, 'error').then(([error]) => {
      throw new Error(`python3 could not start (${String(error)}): install python3`);
    }),
  ])) as [Buffer];
  return { url: `http://127.0.0.1:${Number(String(line).trim())}/events`, child };
}

describe('the usual Python tutorial server (standard library, ids per connection)', () => {
  let server: { url: string; child: ChildProcess };
  before(async () => {
    server = await startPython('./fixtures/real/tutorial-server.py');
  });
  after(() => {
    server.child.kill();
  });

  test('exit 0: per-connection history is replay.state-per-stream, a SHOULD (no MUST on servers there)', async () => {
    const report = await runConformance({ ...RUN, url: server.url });
    const text = formatText(report);
    assert.equal(exitCodeOf(report), 0, text);
    assert.equal(report.results.find((r) => r.id === 'replay.state-per-stream')?.status, 'warn', text);
    const failedMusts = report.results.filter((r) => r.status === 'fail');
    assert.deepEqual(failedMusts, [], text);
  });
});
