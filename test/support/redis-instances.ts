import { after, before } from 'node:test';
import type { ServerConfig } from '../../server/config.ts';
import { RedisStore } from '../../server/store/redis-store.ts';
import { RawSseClient } from './raw-sse-client.ts';
import { startRedisServer, type TestRedisServer } from './redis-server.ts';
import { TEST_TOKEN } from './rest-client.ts';
import { startTestServer, type TestServer } from './test-server.ts';

// Several server instances over one real redis-server, as REDIS_URL mode runs them. Each
// test file is its own process, so the teardown list below is per file.

/** Teardown steps of the current test file; `runCleanups()` runs them newest first. */
export const cleanups: (() => Promise<void> | void)[] = [];

export async function runCleanups(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}

let prefixes = 0;
/** A key prefix no other test uses, so tests sharing one redis-server never see each other. */
export function freshPrefix(label = 'scale'): string {
  prefixes++;
  return `{${label}-${process.pid}-${prefixes}}:`;
}

/** One instance: the real app over a Redis store (its hub ends its streams on a resync). */
export async function startInstance(
  redis: TestRedisServer,
  keyPrefix: string,
  overrides: Partial<ServerConfig> = {},
): Promise<TestServer> {
  const store = await RedisStore.connect({ url: redis.url, historySize: 1000, keyPrefix, maxBackoffMs: 200 });
  const server = await startTestServer({ token: TEST_TOKEN, ...overrides }, store);
  cleanups.push(() => server.close());
  return server;
}

/** An SSE client; `lastEventId` resumes like EventSource does after a reconnect. */
export function openStream(port: number, lastEventId?: string): RawSseClient {
  const headers: Record<string, string> = {};
  if (lastEventId !== undefined) headers['Last-Event-ID'] = lastEventId;
  const client = RawSseClient.open(port, { path: '/events', headers });
  cleanups.push(() => client.close());
  return client;
}

/**
 * Starts a redis-server before the enclosing suite and, after it, tears down what the suite
 * left in `cleanups` and then the server. Returns a getter for the running server.
 */
export function useRedisServer(): () => TestRedisServer {
  let redis: TestRedisServer | undefined;
  before(async () => {
    redis = await startRedisServer();
  });
  after(async () => {
    await runCleanups();
    await redis?.close();
  });
  return () => {
    if (!redis) throw new Error('the redis-server is started in before(): use it inside a test');
    return redis;
  };
}
