import { type ChildProcess, spawnSync } from 'node:child_process';

/** The absolute path of an installed program, or a loud failure with the command that installs it. */
export function requireBinary(name: string, installHint: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') {
    throw new Error(`${name} is not installed, and these tests need a real one: ${installHint}`);
  }
  return path;
}

/** Waits until `child` prints a line matching `ready` on stdout or stderr; fails on exit or after `timeoutMs`. */
export function waitForOutput(
  child: ChildProcess,
  ready: RegExp,
  what: string,
  timeoutMs = 5000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const match = ready.exec(seen);
      if (match) finish(() => resolve(match[0]));
    };
    const onExit = (code: number | null) =>
      finish(() =>
        reject(new Error(`${what} exited (code ${code}) before it was ready; it printed:\n${seen}`)),
      );
    const timer = setTimeout(
      () =>
        finish(() => reject(new Error(`${what} was not ready within ${timeoutMs} ms; it printed:\n${seen}`))),
      timeoutMs,
    );
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      settle();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', onExit);
  });
}

/** Sends `signal` and waits for the exit; SIGKILL after `graceMs` so a test never hangs on a stuck child. */
export async function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 5000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
