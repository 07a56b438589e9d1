// WebKit for the browser suite: Debian's WebKitGTK MiniBrowser, driven over classic WebDriver by
// its WebKitWebDriver (Playwright cannot drive it: MiniBrowser rejects --inspector-pipe). MiniBrowser
// has no headless mode, so without a display this starts an Xvfb of its own. Every missing piece
// fails loudly with the apt command: a suite that silently skips an engine proves nothing there.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { webdriverLauncher } from '@web/test-runner-webdriver';

/** Debian puts MiniBrowser under the architecture's triplet (x86_64-linux-gnu, aarch64-linux-gnu…). */
const MINIBROWSER =
  readdirSync('/usr/lib')
    .filter((dir) => dir.endsWith('-linux-gnu'))
    .map((dir) => `/usr/lib/${dir}/webkit2gtk-4.1/MiniBrowser`)
    .find(existsSync) ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const DRIVER = '/usr/bin/WebKitWebDriver';
const XVFB = '/usr/bin/Xvfb';
const APT = 'apt-get install -y --no-install-recommends webkit2gtk-driver xvfb xauth';
/** How long a helper process may take to listen before the run gives up on it. */
const START_TIMEOUT_MS = 15_000;

function require(path, what) {
  if (!existsSync(path)) throw new Error(`No ${what} at ${path}: install it with \`${APT}\`.`);
}

/** A free TCP port on loopback, from the kernel. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `check()` is true, polling every 50 ms for at most START_TIMEOUT_MS. */
async function until(check, what, child) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} while starting`);
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} did not start within ${START_TIMEOUT_MS} ms`);
}

const listening = (port) =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(socket.end() && true));
    socket.once('error', () => resolve(false));
  });

const children = [];
process.once('exit', () => {
  for (const child of children) child.kill('SIGTERM');
});

/** Starts a helper process that dies with the test run. */
function start(command, args, env) {
  const child = spawn(command, args, { stdio: 'ignore', env });
  children.push(child);
  return child;
}

/** A virtual display for MiniBrowser when the run has none (CI, ssh). */
async function ensureDisplay() {
  if (process.env.DISPLAY) return process.env.DISPLAY;
  require(XVFB, 'Xvfb');
  // -displayfd lets Xvfb pick a free display number and say which.
  for (let display = 90; display < 110; display++) {
    if (existsSync(`/tmp/.X11-unix/X${display}`) || existsSync(`/tmp/.X${display}-lock`)) continue;
    const xvfb = start(XVFB, [`:${display}`, '-screen', '0', '1280x1024x24', '-nolisten', 'tcp']);
    await until(() => existsSync(`/tmp/.X11-unix/X${display}`), 'Xvfb', xvfb);
    return `:${display}`;
  }
  throw new Error('No free X display between :90 and :109 for Xvfb');
}

/** wtr's launcher for WebKit: a WebKitWebDriver on a free port, driving MiniBrowser. */
export async function webkitLauncher() {
  require(MINIBROWSER, 'WebKitGTK MiniBrowser');
  require(DRIVER, 'WebKitWebDriver');
  const display = await ensureDisplay();
  const port = await freePort();
  const driver = start(DRIVER, [`--port=${port}`, '--host=127.0.0.1'], { ...process.env, DISPLAY: display });
  await until(() => listening(port), 'WebKitWebDriver', driver);
  return webdriverLauncher({
    hostname: '127.0.0.1',
    port,
    path: '/',
    logLevel: 'error',
    capabilities: {
      browserName: 'MiniBrowser',
      // webdriverio 9 would ask for BiDi, which WebKitWebDriver does not speak.
      'wdio:enforceWebDriverClassic': true,
      'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
    },
  });
}
