// Runs every node test (server, conformance kit, end-to-end) with node's own test runner.
// Node 20 does not discover `*.test.ts` by itself, so the files are listed here.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOTS = ['server', 'conformance', 'test'];

function testFiles(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

// Arguments may name test files or folders to search; none means every root.
const only = process.argv.slice(2);
const files = (only.length > 0 ? only : ROOTS)
  .flatMap((path) => (statSync(path).isDirectory() ? testFiles(path) : [path]))
  .sort();
if (files.length === 0) {
  console.error('No node test files found under', ROOTS.join(', '));
  process.exit(1);
}
// A test that hangs must fail, not stall CI: no single test may take longer than this.
const TEST_TIMEOUT_MS = 180_000;
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', `--test-timeout=${TEST_TIMEOUT_MS}`];
const result = spawnSync(process.execPath, [...args, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
