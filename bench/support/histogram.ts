/**
 * A log-linear latency histogram in microseconds: 2 % wide buckets from 1 µs to about 100 s,
 * cheap to record into and to merge across processes (a plain array of counts).
 */
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = Math.ceil(Math.log(1e8) / LOG_GROWTH) + 1;

export interface HistogramData {
  counts: number[];
  max: number;
  total: number;
}

export class Histogram {
  readonly counts = new Array<number>(BUCKETS).fill(0);
  max = 0;
  total = 0;

  record(micros: number): void {
    const value = Math.max(micros, 1);
    const index = Math.min(BUCKETS - 1, Math.floor(Math.log(value) / LOG_GROWTH));
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.total++;
    if (value > this.max) this.max = value;
  }

  merge(data: HistogramData): void {
    data.counts.forEach((count, i) => {
      this.counts[i] = (this.counts[i] ?? 0) + count;
    });
    this.total += data.total;
    if (data.max > this.max) this.max = data.max;
  }

  /** The value below which `p` (0–1) of the samples fall, in µs (upper edge of its bucket). */
  percentile(p: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.ceil(p * this.total);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) return Math.min(this.max, GROWTH ** (i + 1));
    }
    return this.max;
  }

  toJSON(): HistogramData {
    return { counts: this.counts, max: this.max, total: this.total };
  }
}
