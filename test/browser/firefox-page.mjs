// wtr's emulateMedia command calls puppeteer's page.emulateMediaFeatures, which needs CDP and
// throws on Firefox (WebDriver BiDi). Firefox has preferences for the same media features; this
// page sets them in the browser's chrome scope over BiDi (hence --remote-allow-system-access),
// then waits until the page's matchMedia agrees. The prefs are browser-wide: run Firefox with
// concurrency 1.

/** Preference values: layout.css.prefers-color-scheme.content-override is 0 dark, 1 light. */
const COLOR_SCHEME = { dark: 0, light: 1 };
const REDUCED_MOTION = { reduce: 1, 'no-preference': 0 };

/** Runs `expression` in Firefox's privileged chrome scope, where `Services.prefs` exists. */
async function evaluateInChrome(browser, expression) {
  const { connection } = browser;
  if (!connection)
    throw new Error(
      "Firefox media emulation needs puppeteer-core's BiDi browser.connection (puppeteer-core 24.43.1).",
    );
  // The connection answers with the whole message: the command's result is under `result`.
  const tree = await connection.send('browsingContext.getTree', { 'moz:scope': 'chrome' });
  const context = (tree.result ?? tree).contexts?.[0]?.context;
  if (!context)
    throw new Error('Firefox exposed no chrome browsing context: is --remote-allow-system-access set?');
  await connection.send('script.evaluate', {
    expression,
    target: { context },
    awaitPromise: false,
    'moz:scope': 'chrome',
  });
}

/** A createPage for wtr's chromeLauncher whose page can emulate colour scheme and reduced motion. */
export async function createFirefoxPage({ context }) {
  const page = await context.newPage();
  const browser = context.browser();
  page.emulateMediaFeatures = async (features = []) => {
    const lines = [];
    const checks = [];
    for (const { name, value } of features) {
      if (name === 'prefers-color-scheme' && value in COLOR_SCHEME) {
        lines.push(
          `Services.prefs.setIntPref('layout.css.prefers-color-scheme.content-override', ${COLOR_SCHEME[value]});`,
        );
        checks.push(`(prefers-color-scheme: ${value})`);
      } else if (name === 'prefers-reduced-motion' && value in REDUCED_MOTION) {
        lines.push(`Services.prefs.setIntPref('ui.prefersReducedMotion', ${REDUCED_MOTION[value]});`);
        checks.push(`(prefers-reduced-motion: ${value})`);
      } else {
        throw new Error(`Firefox media emulation does not support ${name}: ${value}`);
      }
    }
    if (!lines.length) return;
    await evaluateInChrome(browser, lines.join('\n'));
    await page.waitForFunction(
      (queries) => queries.every((q) => matchMedia(q).matches),
      { timeout: 3000 },
      checks,
    );
  };
  return page;
}
