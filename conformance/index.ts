/**
 * sse-conformance as a library: run the checks from your own test suite.
 *
 * @example
 * import { runConformance, exitCodeOf } from 'sse-conformance';
 * const report = await runConformance({ url: 'http://127.0.0.1:5000/events', origins: ['https://app.example'] });
 * assert.equal(exitCodeOf(report), 0, formatText(report));
 */
export { CHECKS } from './cases/index.ts';
export { BROWSER_HEADERS, openStream, StreamRecorder } from './client.ts';
export { readStream, SseReader } from './reader.ts';
export { formatHtml } from './report/html.ts';
export { formatJson, toJson } from './report/json.ts';
export { formatJunit } from './report/junit.ts';
export { formatText } from './report/text.ts';
export { resolveOptions, runConformance, selectChecks, summarize } from './run.ts';
export type { ConformanceOptions } from './session.ts';
export * from './types.ts';
