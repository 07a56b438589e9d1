/** What one `bench:server` run measures; `--quick` is a smoke run of the same steps. */
export interface BenchPlan {
  clients: number[];
  rates: number[];
  warmMs: number;
  windowMs: number;
  /** Each cell is measured this many times per server, in alternating server order. */
  rounds: number;
  /** Closed-loop publishing (as fast as the server answers) with this many clients and writes in flight. */
  saturation: { clients: number; depth: number };
  /** Idle streams held, step by step, for memory per connection and the 19,000 target. */
  ramp: number[];
  /**
   * Clients reconnecting at once to the reference, `behind` events behind, while `live` clients
   * get `rate` events/s; and the same connections to the baseline, which replays nothing. In
   * `rounds` rounds, each with a calm baseline just before; the median round is the result.
   */
  replay: { clients: number; behind: number; live: number; rate: number; rounds: number } | undefined;
}

export const FULL_PLAN: BenchPlan = {
  clients: [100, 1000, 5000],
  rates: [10, 100],
  warmMs: 800,
  windowMs: 4000,
  rounds: 2,
  saturation: { clients: 1000, depth: 4 },
  ramp: [2000, 5000, 10000, 19000],
  // 10 events/s: once back, the 1,000 replayed clients double the audience, and 2,000 × 100/s is
  // past what one core delivers; at 10/s what is measured is the storm itself.
  replay: { clients: 1000, behind: 500, live: 1000, rate: 10, rounds: 5 },
};

export const QUICK_PLAN: BenchPlan = {
  clients: [100, 1000],
  rates: [10, 100],
  warmMs: 500,
  windowMs: 1500,
  rounds: 1,
  saturation: { clients: 1000, depth: 4 },
  ramp: [3000],
  replay: { clients: 200, behind: 100, live: 1000, rate: 10, rounds: 1 },
};
