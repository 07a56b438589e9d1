import { fileURLToPath } from 'node:url';
import { loadAverage, rssKb } from '../support/proc-stats.ts';
import type { ClientPool } from './client-pool.ts';
import { round, sleep, summarize } from './measure.ts';
import { Publisher } from './publisher.ts';
import type { MemoryResult, RampStep } from './results.ts';
import { ServerProcess } from './server-process.ts';
import type { ServerTarget } from './targets.ts';

/** Node flags for a server whose RSS is read after a full collection (see `collectedRssKb`). */
const GC_ON_SIGNAL = [
  '--expose-gc',
  '--import',
  fileURLToPath(new URL('../support/gc-on-signal.mjs', import.meta.url)),
];

/**
 * RSS after a full garbage collection. Read without one, it also counts garbage from the
 * connects that V8 has not collected yet: ±15 MB at 19,000 streams from one run to the next,
 * the same order as the difference between two servers.
 */
async function collectedRssKb(pid: number): Promise<number> {
  process.kill(pid, 'SIGUSR2');
  await sleep(500);
  return rssKb(pid);
}

/**
 * On a fresh server process: RSS idle, then idle streams opened step by step up to the
 * ramp's last step; KB per connection = (RSS with the most streams − idle RSS) / streams.
 * Every reading follows a full garbage collection, the same for every server.
 */
export async function memoryRamp(
  target: ServerTarget,
  steps: number[],
  pool: ClientPool,
  serverCpus: string,
  log: (line: string) => void,
): Promise<MemoryResult> {
  const loadavg = loadAverage();
  const server = await ServerProcess.start(target, serverCpus, GC_ON_SIGNAL);
  const publisher = new Publisher(server.port, target.publish);
  try {
    for (let i = 0; i < 200; i++) await publisher.publish(); // the write path as it runs warm
    await sleep(1000);
    const rssIdleKb = await collectedRssKb(server.pid);
    const ramp: RampStep[] = [];
    for (const clients of steps) {
      const connected = await pool.connect({ port: server.port, path: '/events' }, clients - pool.size, 200);
      await sleep(1000);
      const step: RampStep = {
        clients: pool.size,
        rssKb: await collectedRssKb(server.pid),
        opened: connected.opened,
        failed: connected.failed,
        connectMs: summarize(connected.connectTime),
        connectElapsedMs: Math.round(connected.elapsedMs),
      };
      ramp.push(step);
      log(
        `${target.name.padEnd(10)} ${step.clients} idle streams: RSS ${(step.rssKb / 1024).toFixed(1)} MB, ` +
          `connect p50 ${step.connectMs.p50} p99 ${step.connectMs.p99} ms, ${connected.opened} opened in ` +
          `${step.connectElapsedMs} ms, ${step.failed} failed${connected.firstError ? ` (${connected.firstError})` : ''}`,
      );
    }
    pool.windowStart();
    await sleep(1000);
    const held = await pool.windowEnd();
    const last = ramp.at(-1);
    return {
      name: target.name,
      loadavg,
      rssIdleKb,
      ramp,
      kbPerConnection: last ? round((last.rssKb - rssIdleKb) / last.clients) : Number.NaN,
      heldAfterRamp: held.open,
    };
  } finally {
    publisher.close();
    await pool.closeAll();
    await server.stop();
  }
}
