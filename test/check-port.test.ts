import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from './support/free-port.ts';

// `npm start` runs scripts/check-port.mjs before its build: a busy port costs a second, not a build.
const SCRIPT = fileURLToPath(new URL('../scripts/check-port.mjs', import.meta.url));

function check(port: number) {
  return spawnSync(process.execPath, [SCRIPT], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' },
    encoding: 'utf8',
    timeout: 10_000,
  });
}

test('a busy port stops npm start before the build, exit 2, with the fix', async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
  const { port } = busy.address() as { port: number };
  try {
    const result = check(port);
    assert.equal(result.status, 2);
    assert.match(result.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
    assert.match(result.stderr, new RegExp(`PORT=${port + 1} npm start`));
  } finally {
    busy.close();
  }
});

test('a free port lets it go on, silently', async () => {
  const result = check(await freePort());
  assert.equal(result.status, 0);
  assert.equal(result.stderr, '');
});
