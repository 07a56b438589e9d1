#!/usr/bin/env node
// Launcher for the TypeScript CLI: registers tsx, then runs conformance/cli.ts with our argv.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli.ts');
process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stderr.isTTY && process.stdout.isTTY),
});
