import type { Logger } from 'pino';
import { createLogger } from '../../server/logger.ts';

/** A real server logger whose JSON lines are kept in memory, for tests that read the logs. */
export function capturedLogger(level: Parameters<typeof createLogger>[0] = 'debug'): {
  logger: Logger;
  lines: string[];
  entries: () => Record<string, unknown>[];
} {
  const lines: string[] = [];
  const logger = createLogger(level, { write: (line: string) => void lines.push(line) });
  return { logger, lines, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}
