import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

export const BUNDLE_PATH = new URL('../../dist/cdn/flight-board.js', import.meta.url);
/** The budget of DESIGN.md: the ES module, Lit included, within 12 KB gzip. */
export const BUNDLE_BUDGET_BYTES = 12 * 1024;

export interface BundleSize {
  raw: number;
  gzip: number;
  budget: number;
}

/** Raw and gzip (default level, as the bundle test) sizes of dist/cdn/flight-board.js; undefined when it is not built. */
export function bundleSize(): BundleSize | undefined {
  if (!existsSync(BUNDLE_PATH)) return undefined;
  const bytes = readFileSync(BUNDLE_PATH);
  return { raw: bytes.length, gzip: gzipSync(bytes).length, budget: BUNDLE_BUDGET_BYTES };
}

/** One line for the bench output. */
export function describeBundleSize(size = bundleSize()): string {
  if (!size) return 'bundle: dist/cdn/flight-board.js is not built (run `npm run build`)';
  const kb = (n: number) => (n / 1024).toFixed(2);
  const verdict = size.gzip <= size.budget ? 'within' : 'OVER';
  return `bundle: dist/cdn/flight-board.js ${kb(size.raw)} KB raw, ${kb(size.gzip)} KB gzip (${verdict} the ${kb(size.budget)} KB budget)`;
}
