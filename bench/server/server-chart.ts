import { chart, type Series } from '../support/svg-chart.ts';
import type { BenchResults, MatrixCell } from './results.ts';

const COLORS: Record<string, string> = { reference: '#0b5cad', baseline: '#1a7f37', 'better-sse': '#b42318' };

/** Deliveries/s and p99 against C for every server and rate. */
export function serverChart(results: BenchResults): string {
  const rates = [...new Set(results.cells.map((c) => c.rate))].filter((r): r is number => r !== 'saturation');
  const servers = [...new Set(results.cells.map((c) => c.server))];
  const series = (metric: (c: MatrixCell) => number): Series[] =>
    servers.flatMap((server) =>
      rates.map((rate) => ({
        label: `${server}, ${rate} events/s`,
        color: COLORS[server] ?? '#555',
        dashed: rate !== Math.max(...rates),
        points: results.cells
          .filter((c) => c.server === server && c.rate === rate)
          .map((c): [number, number] => [c.clients, metric(c)]),
      })),
    );
  const [one] = results.loadavg.start;
  return chart(
    [
      {
        title: 'Deliveries per second',
        xLabel: 'concurrent SSE clients (C)',
        yLabel: 'deliveries/s',
        xLog: true,
        series: series((c) => c.deliveriesPerSec),
      },
      {
        title: 'p99 latency, publish → client (ms)',
        xLabel: 'concurrent SSE clients (C)',
        yLabel: 'p99 ms (log)',
        xLog: true,
        yLog: true,
        series: series((c) => c.latencyMs.p99),
      },
    ],
    `npm run bench:server, ${results.startedAt.slice(0, 16)}Z, ${results.machine.cpus} cores (server and generator pinned apart), load ${one ?? '?'}`,
  );
}
