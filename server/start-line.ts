import type { ServerConfig } from './config.ts';
import { redactedUrl } from './redact-url.ts';
import { VERSION } from './version.ts';

/** How to enable writes for this run in development, as the start line and the 403 can say it. */
export const ENABLE_WRITES_HINT =
  'restart with --generate-token (npm start -- --generate-token) for a token, or set FLIGHT_BOARD_TOKEN';

/**
 * The one line an operator reads at start: the URL to open, what is on, and how to enable
 * writes when they are off. Never the token itself.
 */
export function startLine(config: ServerConfig, url: string): string {
  const protocol =
    config.tlsCert === undefined
      ? 'HTTP/1.1 (TLS_CERT and TLS_KEY add HTTP/2)'
      : 'HTTPS with HTTP/2 and HTTP/1.1';
  const board =
    config.redisUrl === undefined ? 'board in memory' : `board in Redis at ${redactedUrl(config.redisUrl)}`;
  const simulator = config.simulate ? 'simulator on' : 'simulator off';
  const writes =
    config.token === undefined ? `writes off: ${ENABLE_WRITES_HINT}` : 'writes on (bearer token)';
  return `flight-board-server ${VERSION}: open ${url} · ${protocol} · ${simulator} · ${board} · ${writes}`;
}
