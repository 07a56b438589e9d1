import { Redis, type RedisOptions } from 'ioredis';
import { backoff } from './backoff.ts';

/** A write or read that Redis has not answered in this time fails (ms). */
export const COMMAND_TIMEOUT_MS = 2000;

/**
 * The store's three connections to Redis: `commands` for writes and board reads, `history` for
 * replays (a reconnect storm's reads never queue in front of a write), and `reader` for the
 * blocking XREAD loop (it is blocked most of the time, so it can carry nothing else).
 */
export interface RedisConnections {
  commands: Redis;
  history: Redis;
  reader: Redis;
}

/** The three connections, not connected yet; `connect` connects them. */
export function createConnections(url: string, maxBackoffMs: number): RedisConnections {
  const base: RedisOptions = {
    lazyConnect: true,
    // A write must fail fast (503) rather than queue while Redis is away.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times) => backoff(times, maxBackoffMs),
  };
  return {
    commands: new Redis(url, { ...base, connectionName: 'flight-board', commandTimeout: COMMAND_TIMEOUT_MS }),
    history: new Redis(url, {
      ...base,
      connectionName: 'flight-board-history',
      commandTimeout: COMMAND_TIMEOUT_MS,
    }),
    reader: new Redis(url, { ...base, connectionName: 'flight-board-reader' }),
  };
}

/**
 * Connects all three and checks the server can run the store; on failure disconnects them and
 * throws the first connection error's message (ioredis rejects `connect()` with a vaguer
 * "Connection is closed.").
 */
export async function connect(
  connections: RedisConnections,
  onError: (error: Error, connection: 'commands' | 'reader') => void,
): Promise<void> {
  let firstError: Error | undefined;
  connections.commands.on('error', (error: Error) => {
    firstError ??= error;
    onError(error, 'commands');
  });
  connections.history.on('error', (error: Error) => onError(error, 'commands'));
  connections.reader.on('error', (error: Error) => onError(error, 'reader'));
  try {
    await Promise.all(Object.values(connections).map((c: Redis) => c.connect()));
    await requireStreams(connections.commands);
  } catch (error) {
    disconnect(connections);
    throw firstError ?? error;
  }
}

export function disconnect(connections: RedisConnections): void {
  for (const connection of Object.values(connections) as Redis[]) connection.disconnect();
}

/** The store needs Redis 7.0 (XINFO STREAM entries-added, exclusive XRANGE). */
async function requireStreams(commands: Redis): Promise<void> {
  const info = await commands.info('server');
  const version = /redis_version:(\d+)\./.exec(info)?.[1];
  if (version !== undefined && Number(version) < 7) {
    throw new Error(`it runs Redis ${version}, and the Redis store needs 7.0 or later`);
  }
}
