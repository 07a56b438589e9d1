import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { capturedLogger } from '../test/support/log-capture.ts';
import { RawSseClient } from '../test/support/raw-sse-client.ts';
import { api, TEST_TOKEN } from '../test/support/rest-client.ts';
import { startTestServer } from '../test/support/test-server.ts';
import { until } from '../test/support/until.ts';
import { createLogger, logDestination } from './logger.ts';

describe('structured logs', () => {
  test('one JSON line per request with method, path, status and duration', async () => {
    const { logger, entries } = capturedLogger('info');
    const server = await startTestServer({ token: TEST_TOKEN }, { logger });
    try {
      await api(server, 'POST', '/flights', { body: { flight: 'A1', origin: 'x', arrival: '10:00' } });
      await api(server, 'DELETE', '/flights/A1');
      await new Promise((resolve) => setTimeout(resolve, 20));
      const requests = entries().filter((e) => e.msg === 'request');
      assert.deepEqual(
        requests.map(({ method, path, status }) => ({ method, path, status })),
        [
          { method: 'POST', path: '/flights', status: 201 },
          { method: 'DELETE', path: '/flights/A1', status: 204 },
        ],
      );
      assert.ok(requests.every((e) => typeof e.ms === 'number' && e.name === 'flight-board'));
    } finally {
      await server.close();
    }
  });

  test('a stream gets its request line at debug level, when it ends', async () => {
    const { logger, entries } = capturedLogger('debug');
    const server = await startTestServer({}, { logger });
    try {
      const stream = RawSseClient.open(server.port, { path: '/events' });
      await stream.waitForEvents(1);
      stream.close();
      await until('the stream to end', () => server.hub.clientCount === 0);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const requests = entries().filter((e) => e.msg === 'request');
      assert.deepEqual(
        requests.map(({ level, path, status }) => ({ level, path, status })),
        [{ level: 20, path: '/events', status: 200 }],
      );
    } finally {
      await server.close();
    }
  });

  test('never write the token, even at trace level and when it is logged by mistake', async () => {
    const { logger, lines } = capturedLogger('trace');
    const server = await startTestServer({ token: TEST_TOKEN }, { logger });
    try {
      await api(server, 'POST', '/flights', { body: { flight: 'A1', origin: 'x', arrival: '10:00' } });
      await api(server, 'POST', '/close', { token: `${TEST_TOKEN}-wrong` });
      logger.info({ config: server.config, headers: { authorization: `Bearer ${TEST_TOKEN}` } }, 'oops');
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.ok(lines.length > 2);
      assert.ok(
        lines.every((line) => !line.includes(TEST_TOKEN)),
        lines.find((l) => l.includes(TEST_TOKEN)),
      );
      assert.match(lines.join('\n'), /\[redacted\]/);
    } finally {
      await server.close();
    }
  });

  test('say "[redacted]" only for a secret that is set', async () => {
    const { logger, lines } = capturedLogger('info');
    logger.info({ config: { token: undefined, redisUrl: undefined, port: 5000 } }, 'configuration');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.doesNotMatch(lines.join('\n'), /redacted/);
  });

  test('show a Redis URL without its password', async () => {
    const { logger, lines } = capturedLogger('info');
    logger.info({ config: { redisUrl: 'redis://board:hunter2@127.0.0.1:6390/0' } }, 'listening');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const line = lines.join('\n');
    assert.doesNotMatch(line, /hunter2/);
    assert.match(line, /redis:\/\/board:\*\*\*@127\.0\.0\.1:6390\/0/);
  });

  test('on a terminal, one line a person reads per entry, still without the token; piped, JSON lines', async () => {
    const terminal = Object.assign(new PassThrough(), { isTTY: true });
    let text = '';
    terminal.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    const logger = createLogger('info', await logDestination(terminal));
    logger.info({ url: 'http://localhost:5000/', port: 5000 }, 'open http://localhost:5000/');
    logger.info({ method: 'GET', path: '/', status: 200, ms: 3, token: 's3cret' }, 'request');
    await new Promise((resolve) => setImmediate(resolve));
    const plain = stripVTControlCharacters(text); // colours, on a terminal
    const lines = plain.trimEnd().split('\n');
    assert.equal(lines.length, 2, plain);
    assert.match(lines[0] ?? '', /INFO: open http:\/\/localhost:5000\/$/, 'the URL once, in words');
    assert.match(lines[1] ?? '', /INFO: request .*"status":200/);
    assert.match(lines[1] ?? '', /"token":"\[redacted\]"/);
    assert.doesNotMatch(plain, /s3cret/);
    assert.doesNotMatch(plain, /^\{/m, 'not JSON');
    assert.equal(await logDestination(new PassThrough()), undefined, 'a pipe gets the JSON default');
  });
});
