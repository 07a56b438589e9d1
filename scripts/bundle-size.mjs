// Prints the element bundles' sizes after the build, gzip at level 9, against the 12 KB budget of
// DESIGN.md (the ES module, Lit included), and fails the build when the ES module is over it.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET = 12 * 1024;
const BUNDLES = ['dist/cdn/flight-board.js', 'dist/cdn/flight-board.iife.js'];

let over = false;
for (const path of BUNDLES) {
  const bytes = readFileSync(path);
  const gzip = gzipSync(bytes, { level: 9 }).length;
  const budgeted = path.endsWith('/flight-board.js');
  over ||= budgeted && gzip > BUDGET;
  const verdict = budgeted ? ` (${gzip <= BUDGET ? 'within' : 'OVER'} the ${BUDGET} B budget)` : '';
  console.log(`${path}: ${bytes.length} B, ${gzip} B gzip -9${verdict}`);
}
if (over) process.exit(1);
