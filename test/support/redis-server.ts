import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary, stopChild, waitForOutput } from './child-process.ts';
import { freePort } from './free-port.ts';

const INSTALL_HINT =
  'install it with `apt-get install -y redis-server` (Debian/Ubuntu; `.ci/run` does this in CI), version 7.0 or later';

export interface RedisServerOptions {
  /** Keep the data across `restart()` (append-only file, fsync always). Default false: `--save '' --appendonly no`. */
  persistence?: boolean;
  /** Require this password (`requirepass`) from every client. Default: none. */
  password?: string;
}

/** A real redis-server on 127.0.0.1, an ephemeral port and a temporary directory. */
export interface TestRedisServer {
  url: string;
  port: number;
  /** Stops the server (SIGTERM; with persistence its data is on disk). */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections stay open and commands go unanswered, as in a long GC or VM pause. */
  pause(): void;
  /** Thaws it (SIGCONT): the commands sent meanwhile run now. */
  resume(): void;
}

/** Starts redis-server for a test; fails loudly, with the install command, when it is not installed. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<TestRedisServer> {
  const binary = requireBinary('redis-server', INSTALL_HINT);
  const dir = await mkdtemp(join(tmpdir(), 'flight-board-redis-'));
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.persistence ? 'yes' : 'no',
    '--appendfsync',
    'always',
    '--daemonize',
    'no',
    '--loglevel',
    'notice',
    ...(options.password === undefined ? [] : ['--requirepass', options.password]),
  ];
  let child: ChildProcess | undefined;
  const handle: TestRedisServer = {
    url:
      options.password === undefined
        ? `redis://127.0.0.1:${port}`
        : `redis://:${encodeURIComponent(options.password)}@127.0.0.1:${port}`,
    port,
    async start() {
      const started = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      await waitForOutput(started, /Ready to accept connections/, `redis-server on port ${port}`);
    },
    async stop() {
      if (child) await stopChild(child);
      child = undefined;
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async close() {
      child?.kill('SIGCONT'); // a frozen process would never handle the SIGTERM
      await handle.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await handle.start();
  return handle;
}
