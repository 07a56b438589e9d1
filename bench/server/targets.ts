import { fileURLToPath } from 'node:url';
import { BENCH_FLIGHT } from './bench-server-env.ts';
import type { PublishRoute } from './publisher.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOKEN = 'bench-token';

/** One server under test: how to start it, prepare it, and publish to it. */
export interface ServerTarget {
  name: 'reference' | 'baseline' | 'better-sse';
  /** Entry point: JavaScript runs on plain node, TypeScript with `node --import tsx`. */
  entry: string;
  env: Record<string, string>;
  publish: PublishRoute;
  /** HTTP calls to make once it listens, before any client connects (e.g. put the bench flight on the board). */
  setup: { method: string; path: string; headers: Record<string, string>; body: string }[];
}

export const HEARTBEAT_MS = '15000';

/**
 * `--reference-entry=<file>` on the bench command line: run another build of the reference
 * server (e.g. a candidate fix in a copy of the tree) in place of the built server/dist/main.js.
 */
const referenceEntry = process.argv.find((a) => a.startsWith('--reference-entry='))?.slice(18);

export const TARGETS: readonly ServerTarget[] = [
  {
    name: 'baseline',
    entry: `${ROOT}bench/baseline-server.ts`,
    env: { HEARTBEAT_MS },
    publish: { method: 'POST', path: '/publish', headers: {} },
    setup: [],
  },
  {
    name: 'reference',
    entry: referenceEntry ?? `${ROOT}server/dist/main.js`,
    // As a user runs it (logs at info level, metrics on), with writes enabled and no simulator.
    env: { FLIGHT_BOARD_TOKEN: TOKEN, SIMULATE: '0', HEARTBEAT_MS },
    publish: {
      method: 'PATCH',
      path: `/flights/${BENCH_FLIGHT}`,
      headers: { Authorization: `Bearer ${TOKEN}` },
    },
    setup: [
      {
        method: 'POST',
        path: '/flights',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ flight: BENCH_FLIGHT, origin: 'Bench', arrival: '12:00', state: 'scheduled' }),
      },
    ],
  },
  {
    name: 'better-sse',
    entry: `${ROOT}bench/better-sse-server.ts`,
    env: { HEARTBEAT_MS },
    publish: { method: 'POST', path: '/publish', headers: {} },
    setup: [],
  },
];
