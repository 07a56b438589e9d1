export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
}

/** One measurement: C clients, a publish rate (or `saturation`), what came out. */
export interface CellResult {
  clients: number;
  /** Writes per second offered; `saturation` for the closed loop. */
  rate: number | 'saturation';
  windowMs: number;
  publishesPerSec: number;
  skippedPublishes: number;
  deliveriesPerSec: number;
  /** Deliveries expected from the writes the server acknowledged in the window. */
  expectedDeliveriesPerSec: number;
  latencyMs: LatencySummary;
  serverCpuPercent: number;
  cpuMicrosPerDelivery: number;
  dropped: number;
}

/** A cell of the matrix for one server: its least disturbed round, and every round. */
export interface MatrixCell extends CellResult {
  server: string;
  loadavg: number[];
  rounds: CellResult[];
}

export interface RampStep {
  clients: number;
  rssKb: number;
  opened: number;
  failed: number;
  connectMs: LatencySummary;
  connectElapsedMs: number;
}

export interface MemoryResult {
  name: string;
  loadavg: number[];
  rssIdleKb: number;
  ramp: RampStep[];
  /** (RSS with the most idle streams − idle RSS) / streams. */
  kbPerConnection: number;
  /** Streams still open one second after the ramp's last step. */
  heldAfterRamp: number;
}

export interface ReplayResult {
  replayClients: number;
  replayFailed: number;
  firstError?: string;
  behind: number;
  liveClients: number;
  rate: number;
  liveLatencyMs: LatencySummary;
  liveDeliveriesPerSec: number;
  replayConnectMs: LatencySummary;
  /**
   * Every storm round, in order (live p99s in ms: the calm baseline's just before, the
   * reference's replay storm, the baseline's storm of the same connections); the fields above
   * are the reference's storm in the round with the median replay ÷ calm ratio.
   */
  rounds: { calmP99: number; replayP99: number; connectP99: number }[];
}

/** One storm measured, without the rounds around it. */
export type StormResult = Omit<ReplayResult, 'rounds'>;

export interface BenchResults {
  kind: 'server';
  quick: boolean;
  startedAt: string;
  durationS: number;
  machine: { cpus: number; node: string; fileLimit: { soft: number; hard: number }; cpuModel: string };
  pinning: { server: string; generator: string };
  loadavg: { start: number[]; end: number[] };
  bundle: { raw: number; gzip: number; budget: number } | undefined;
  memory: MemoryResult[];
  cells: MatrixCell[];
  replay: ReplayResult | undefined;
}
