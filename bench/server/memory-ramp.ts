import { loadAverage, rssKb } from '../support/proc-stats.ts';
import type { ClientPool } from './client-pool.ts';
import { round, sleep, summarize } from './measure.ts';
import { Publisher } from './publisher.ts';
import type { MemoryResult, RampStep } from './results.ts';
import { ServerProcess } from './server-process.ts';
import type { ServerTarget } from './targets.ts';

/**
 * On a fresh server process: RSS idle, then idle streams opened step by step up to the
 * ramp's last step; KB per connection = (RSS with the most streams − idle RSS) / streams.
 */
export async function memoryRamp(
  target: ServerTarget,
  steps: number[],
  pool: ClientPool,
  serverCpus: string,
  log: (line: string) => void,
): Promise<MemoryResult> {
  const loadavg = loadAverage();
  const server = await ServerProcess.start(target, serverCpus);
  const publisher = new Publisher(server.port, target.publish);
  try {
    for (let i = 0; i < 200; i++) await publisher.publish(); // the write path as it runs warm
    await sleep(1000);
    const rssIdleKb = rssKb(server.pid);
    const ramp: RampStep[] = [];
    for (const clients of steps) {
      const connected = await pool.connect({ port: server.port, path: '/events' }, clients - pool.size, 200);
      await sleep(1000);
      const step: RampStep = {
        clients: pool.size,
        rssKb: rssKb(server.pid),
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
