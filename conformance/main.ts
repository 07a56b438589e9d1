#!/usr/bin/env node
// `npx sse-conformance`: the CLI on this process's argv, stdout and stderr.
import { colorFor, main } from './cli.ts';

// `sse-conformance … | head` closes stdout early: stop writing and keep the exit code, instead
// of dying on EPIPE with a stack trace.
let stdoutClosed = false;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  stdoutClosed = true;
});

const isTTY = Boolean(process.stderr.isTTY && process.stdout.isTTY);
process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => {
    if (!stdoutClosed) process.stdout.write(text);
  },
  stderr: (text) => process.stderr.write(text),
  isTTY,
  color: colorFor(process.env, isTTY),
});
