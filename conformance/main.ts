#!/usr/bin/env node
// `npx sse-conformance`: the CLI on this process's argv, stdout and stderr.
import { main } from './cli.ts';

process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stderr.isTTY && process.stdout.isTTY),
});
