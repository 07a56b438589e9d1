/** The API bench/element/page-harness.js installs in the bench page. */
interface BenchPhaseWindow {
  started: number;
  ended: number;
}

interface BenchPageApi {
  ready(): Promise<void>;
  snapshot(rows: number): Promise<void>;
  burst(count: number, perTask: number): Promise<BenchPhaseWindow>;
  steady(rate: number, seconds: number): Promise<BenchPhaseWindow>;
  probe(rate: number, seconds: number, every: number): Promise<{ latencies: number[]; unseen: number }>;
  stats(
    from: number,
    to: number,
  ): {
    renders: number;
    maxRendersPerFrame: number;
    framesWithRender: number;
    longTasks: number;
    longestTaskMs: number;
  };
  frames(): number;
  now(): number;
}

interface Window {
  __bench: BenchPageApi;
}
