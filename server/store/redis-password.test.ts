import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { capturedLogger } from '../../test/support/log-capture.ts';
import { startRedisServer, type TestRedisServer } from '../../test/support/redis-server.ts';
import { until } from '../../test/support/until.ts';
import { DEFAULT_CONFIG } from '../config.ts';
import { redactedError } from '../logger.ts';
import { startServer } from '../start.ts';
import { createStore } from './create-store.ts';

/** Passwords unlike anything else in a log line, so a match can only be a leak. */
const PASSWORD = 'pw-Xq7-first-0b9e';
const NEXT_PASSWORD = 'pw-Zr4-second-77c1';

function config(url: string) {
  return { ...DEFAULT_CONFIG, host: '127.0.0.1', port: 0, redisUrl: url };
}

describe('the Redis password never reaches a log line (issue 18.1)', () => {
  let redis: TestRedisServer;
  before(async () => {
    redis = await startRedisServer({ password: PASSWORD });
  });
  after(() => redis.close());

  test('a password changed under a running server: every reconnection error is logged without it', async () => {
    const { logger, lines, entries } = capturedLogger('trace');
    const server = await startServer(config(redis.url), logger);
    const admin = new Redis(redis.url);
    try {
      await admin.config('SET', 'requirepass', NEXT_PASSWORD);
      await admin.call('CLIENT', 'KILL', 'TYPE', 'normal').catch(() => undefined); // the server reconnects, refused
      await until('a refused login to be logged', () =>
        entries().some((e) => JSON.stringify(e.err ?? '').includes('WRONGPASS')),
      );
      const refused = entries().find((e) => JSON.stringify(e.err ?? '').includes('WRONGPASS'));
      assert.match(JSON.stringify(refused), /WRONGPASS/, 'the reason is still there');
      for (const line of lines) {
        assert.ok(!line.includes(PASSWORD), `a log line holds the password: ${line}`);
      }
    } finally {
      await admin.config('SET', 'requirepass', PASSWORD).catch(() => undefined);
      admin.disconnect();
      await server.shutdown();
    }
  });

  test('a wrong password at start: refused with a message that names the URL but not the password', async () => {
    const wrong = redis.url.replace(encodeURIComponent(PASSWORD), NEXT_PASSWORD);
    await assert.rejects(createStore(config(wrong)), (error: Error) => {
      assert.match(error.message, /WRONGPASS/);
      assert.match(error.message, /redis:\/\/:\*\*\*@127\.0\.0\.1/);
      assert.ok(!error.message.includes(NEXT_PASSWORD), error.message);
      return true;
    });
  });

  test('any error with command arguments is logged without them, at any depth', () => {
    const error = Object.assign(new Error('WRONGPASS'), {
      command: { name: 'hello', args: ['3', 'AUTH', 'default', PASSWORD] },
      cause: Object.assign(new Error('inner'), { command: { name: 'auth', args: [PASSWORD] } }),
    });
    const logged = JSON.stringify(redactedError(error));
    assert.ok(!logged.includes(PASSWORD), logged);
    assert.match(logged, /"name":"hello"/, 'which command failed is still said');
  });
});
