import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { http2Request } from './support/http2-request.ts';
import { Http2SseClient } from './support/http2-sse-client.ts';
import { until } from './support/until.ts';

const SCRIPT = fileURLToPath(new URL('../scripts/dev-https.ts', import.meta.url));

test('npm run dev:https serves the demo over HTTP/2 with a self-signed certificate, and shows a write token once', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', FLIGHT_BOARD_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  try {
    await until('the URL to open', () => /Open https:\/\/127\.0\.0\.1:\d+\//.test(out), 20_000);
    const port = Number(/Open https:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1]);
    const token = /never logged\):\n {2}(\S+)\n/.exec(out)?.[1];
    assert.ok(token, out);
    const page = await http2Request(port, '/');
    assert.equal(page.status, 200);
    const stream = Http2SseClient.open(port, { path: '/events' });
    const { events } = await stream.waitForEvents(1, 5000);
    stream.close();
    assert.equal(events[0]?.event, 'flightSnapshot');
    assert.match(events[0]?.data ?? '', /A123/, 'the simulator is on');
    const write = await http2Request(port, '/flights/A123', {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'landed' }),
    });
    assert.equal(write.status, 200, write.body);
  } finally {
    child.kill('SIGTERM');
  }
});
