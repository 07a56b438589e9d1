import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePort } from '../../test/support/free-port.ts';
import type { ServerTarget } from './targets.ts';

const START_TIMEOUT_MS = 20_000;

async function answers(port: number, path: string): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** A server under test, running pinned to `cpus`, with its pid for /proc readings. */
export class ServerProcess {
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;

  private constructor(
    readonly target: ServerTarget,
    readonly port: number,
    child: ChildProcess,
  ) {
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  /** Starts `target` (taskset execs node, so the pid is the server's) and waits until it answers. */
  static async start(target: ServerTarget, cpus: string, nodeArgs: string[] = []): Promise<ServerProcess> {
    const port = await freePort();
    if (!existsSync(target.entry)) throw new Error(`${target.entry} is missing: run \`npm run build\` first`);
    // The reference runs as it ships (compiled JavaScript); the other servers are TypeScript files.
    const loader = target.entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
    const args = ['-c', cpus, process.execPath, ...nodeArgs, ...loader, target.entry];
    const child = spawn('taskset', args, {
      env: { ...process.env, ...target.env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const server = new ServerProcess(target, port, child);
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await answers(port, '/health'))) {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill('SIGKILL');
        throw new Error(`${target.name} did not start on port ${port}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const call of target.setup) {
      const res = await fetch(`http://127.0.0.1:${port}${call.path}`, call);
      // 409: a store shared with an earlier instance (Redis) already holds what setup adds.
      if (!res.ok && res.status !== 409)
        throw new Error(`${target.name} setup ${call.method} ${call.path}: ${res.status}`);
      await res.arrayBuffer();
    }
    return server;
  }

  /** SIGTERM, then SIGKILL if it is still there after 6 s. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    this.#child.kill('SIGTERM');
    const killer = setTimeout(() => this.#child.kill('SIGKILL'), 6000);
    await this.#exited;
    clearTimeout(killer);
  }
}
