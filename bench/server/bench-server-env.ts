/** What every bench server reads from its environment: where to listen and its keep-alive period. */
export interface BenchServerEnv {
  port: number;
  host: string;
  heartbeatMs: number;
}

export function benchServerEnv(env = process.env): BenchServerEnv {
  return {
    port: Number(env.PORT ?? 5100),
    host: env.HOST ?? '127.0.0.1',
    heartbeatMs: Number(env.HEARTBEAT_MS ?? 15000),
  };
}

/** The flight every bench write updates (the reference server must have it on its board). */
export const BENCH_FLIGHT = 'B1';
/** Response headers of a stream, as DESIGN.md states them. */
export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
} as const;

/** Reads a request body as text (bench writes are a few dozen bytes). */
export function readBody(req: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}
