import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { EventHub } from './hub/event-hub.ts';

/** The Prometheus metrics of one app, in a registry of its own (several apps may share a process in tests). */
export interface Metrics {
  registry: Registry;
  /** Failed writes, by error code (`unauthorized`, `invalid-flight`, `store-unavailable`, …). */
  writeErrors: Counter<'code'>;
  /** Streams refused because MAX_CLIENTS (or MAX_CLIENTS_PER_IP from one address) were open. */
  rejectedClients: Counter;
}

/**
 * Creates the metrics: live counts are read from the hub at scrape time, so the hot path
 * (every event to every client) does no extra work for them.
 */
export function createMetrics(hub: EventHub, { processMetrics = false } = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  new Gauge({
    name: 'flight_board_clients_connected',
    help: 'Open /events streams.',
    registers,
    collect() {
      this.set(hub.clientCount);
    },
  });
  const fromStats = (name: string, help: string, stat: keyof EventHub['stats']) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(hub.stats[stat]);
      },
    });
  fromStats('flight_board_events_emitted_total', 'Events broadcast to the open streams.', 'eventsSent');
  fromStats(
    'flight_board_replays_total',
    'Streams resumed from a Last-Event-ID inside the history.',
    'replays',
  );
  fromStats('flight_board_snapshots_total', 'Streams started with a flightSnapshot.', 'snapshots');
  fromStats(
    'flight_board_evictions_total',
    'Slow clients dropped for holding too many unsent bytes.',
    'evictions',
  );
  const writeErrors = new Counter({
    name: 'flight_board_write_errors_total',
    help: 'Writes refused or failed, by error code.',
    labelNames: ['code'] as const,
    registers,
  });
  const rejectedClients = new Counter({
    name: 'flight_board_clients_rejected_total',
    help: 'Streams refused with 503 because MAX_CLIENTS, or MAX_CLIENTS_PER_IP from one address, were open.',
    registers,
  });
  if (processMetrics) collectDefaultMetrics({ register: registry, prefix: 'flight_board_' });
  return { registry, writeErrors, rejectedClients };
}
