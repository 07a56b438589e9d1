// axe-core (WCAG 2.0, 2.1 and 2.2, levels A and AA) on the pages the reference server serves,
// in headless Chromium, once the board is live with rows: the demo in each of its three themes,
// the classic-script page and a bare page with only the element, each in the light and the
// dark colour scheme of the system. axe walks the element's open shadow root too.
//
// A check axe cannot decide ("incomplete", e.g. text on a gradient whose contrast it cannot
// measure) fails as well: unjudged is not accessible. The pages' landmarks are checked with
// axe's landmark rules (best practice, not WCAG), and the element must add none of its own.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/chromium.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

/** The WCAG 2.0/2.1/2.2 A and AA rules (2.2 added AA rules only). */
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** A desktop's width and a phone's (the element has a compact layout for narrow boards). */
const VIEWPORT_WIDTHS = [1280, 390] as const;

/** One flight in every state, so every state's colour in every theme is judged. */
const FLIGHTS = [
  { flight: 'A123', origin: 'London', arrival: '08:15', state: 'scheduled' },
  { flight: 'D654', origin: 'Berlin', arrival: '08:45', state: 'on time' },
  { flight: 'U213', origin: 'New York', arrival: '09:05', state: 'delayed' },
  { flight: 'A987', origin: 'Buenos Aires', arrival: '09:30', state: 'landing' },
  { flight: 'I768', origin: 'Rome', arrival: '10:10', state: 'landed' },
  { flight: 'G119', origin: 'Tokyo', arrival: '10:35', state: 'cancelled' },
];

/** The element alone: no heading, no landmark, no styling of the page's own. */
const BARE_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>flight-board alone</title>
    <script type="module" src="/flight-board.js"></script>
  </head>
  <body>
    <flight-board src="/events"></flight-board>
  </body>
</html>`;

/**
 * axe's rules for a page's landmarks: there is a main one, all content sits in one, none is
 * nested where it must be top level or doubled where it must be unique.
 */
const LANDMARK_RULES = [
  'region',
  'landmark-one-main',
  'landmark-unique',
  'landmark-no-duplicate-banner',
  'landmark-no-duplicate-contentinfo',
  'landmark-no-duplicate-main',
  'landmark-banner-is-top-level',
  'landmark-contentinfo-is-top-level',
  'landmark-main-is-top-level',
  'landmark-complementary-is-top-level',
];

/** The ARIA landmark roles: none may come from inside the element. */
const LANDMARK_ROLES = [
  'banner',
  'complementary',
  'contentinfo',
  'form',
  'main',
  'navigation',
  'region',
  'search',
] as const;

/** What the test reads of one rule's result in axe.run's `violations` and `incomplete`. */
interface RuleResult {
  id: string;
  impact?: string | null;
  help: string;
  nodes: {
    target: unknown[];
    failureSummary?: string;
    /** Why a check could not decide, for `incomplete` (e.g. `{ messageKey: 'bgGradient' }`). */
    any: { message: string; data?: { messageKey?: string } | null }[];
  }[];
}

/** The part of axe's global API the test calls. */
interface AxeGlobal {
  axe: {
    run(
      context: Document,
      options: { runOnly: { type: 'tag' | 'rule'; values: string[] } },
    ): Promise<{ violations: RuleResult[]; incomplete: RuleResult[]; passes: RuleResult[] }>;
  };
}

/**
 * A contrast check axe leaves undecided only because the "text" is a glyph such as the sort
 * arrow (▲, aria-hidden): no text to judge; its colour is the header's, whose contrast is judged.
 */
function isGlyphOnly(rule: RuleResult, node: RuleResult['nodes'][number]): boolean {
  return rule.id === 'color-contrast' && node.any.some((check) => check.data?.messageKey === 'nonBmp');
}

/** The undecided results that count: all but glyph-only contrast checks. */
function undecided(incomplete: RuleResult[]): RuleResult[] {
  return incomplete
    .map((rule) => ({ ...rule, nodes: rule.nodes.filter((node) => !isGlyphOnly(rule, node)) }))
    .filter((rule) => rule.nodes.length > 0);
}

/** One line per node: the rule, where (shadow-piercing target), and axe's summary or reason. */
function describeResults(results: RuleResult[]): string {
  return results
    .flatMap((rule) =>
      rule.nodes.map((node) => {
        const summary = node.failureSummary ?? node.any.map((check) => check.message).join('; ');
        return `- ${rule.id} (${rule.impact ?? 'undecided'}: ${rule.help}) at ${JSON.stringify(node.target)}\n    ${summary.replaceAll('\n', '\n    ')}`;
      }),
    )
    .join('\n');
}

/** Waits until the board is live and shows every flight, so axe judges the real content. */
async function waitForLiveBoard(page: Page): Promise<void> {
  await page.waitForFunction(
    (count) => {
      const board = document.querySelector('flight-board');
      return board?.status === 'live' && board.shadowRoot?.querySelectorAll('tbody tr').length === count;
    },
    FLIGHTS.length,
    { timeout: 5000 },
  );
}

describe('the demo pages pass axe (WCAG 2.2 A and AA) in headless Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let axeSource: string;

  before(async () => {
    server = await startTestServer();
    for (const flight of FLIGHTS) await server.store.add({ ...flight });
    browser = await launchChromium();
    axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /**
   * Opens `path` in the given system colour scheme, lets `prepare` bring the page to the state
   * to judge, then runs axe on the whole document (shadow roots included) and fails with every
   * violation and every undecided check; then checks the landmarks (`landmarks: 'page'`: axe's
   * landmark rules; `'none-from-element'`: the page has none, so none may come from the element).
   */
  async function assertAccessible(
    path: string,
    colorScheme: 'light' | 'dark',
    landmarks: 'page' | 'none-from-element',
    prepare: (page: Page) => Promise<void> = async () => {},
  ): Promise<void> {
    const page = await browser.newPage({ viewport: { width: VIEWPORT_WIDTHS[0], height: 900 }, colorScheme });
    try {
      // The bare page is not one of the server's: the test serves it at the server's origin, so
      // the element's script and stream are the server's own.
      await page.route(`${server.url}/bare.html`, (route) =>
        route.fulfill({ contentType: 'text/html; charset=utf-8', body: BARE_PAGE }),
      );
      await page.goto(`${server.url}${path}`);
      await waitForLiveBoard(page);
      await prepare(page);
      // Evaluated through the DevTools protocol, which the page's CSP (script-src 'self') does not govern.
      await page.evaluate(axeSource);
      const run = (type: 'tag' | 'rule', values: string[]) =>
        page.evaluate(
          // `axe` is the global the injected source defines; the page's types do not know it.
          ([type, values]) =>
            (globalThis as unknown as AxeGlobal).axe.run(document, { runOnly: { type, values } }),
          [type, values] as const,
        );

      // A desktop width and a phone's: the element lays itself out by its own width, and its
      // narrow layout has colours and sizes of its own.
      for (const width of VIEWPORT_WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        // Two frames: the container queries have applied to what axe measures.
        await page.evaluate(
          () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
        );
        const wcag = await run('tag', WCAG_TAGS);
        const where = `${path} at ${width} px (system in ${colorScheme} scheme)`;
        assert.deepEqual(
          wcag.violations.map((rule) => rule.id),
          [],
          `axe found WCAG violations on ${where}:\n${describeResults(wcag.violations)}`,
        );
        const open = undecided(wcag.incomplete);
        assert.deepEqual(
          open.map((rule) => rule.id),
          [],
          `axe could not decide these WCAG checks on ${where}:\n${describeResults(open)}`,
        );
        // Not a vacuous pass: axe went into the shadow root and judged the text of every cell
        // (a target of two selectors is host, then inside its shadow root).
        const judgedInside = (wcag.passes.find((rule) => rule.id === 'color-contrast')?.nodes ?? []).filter(
          (node) =>
            Array.isArray(node.target[0]) &&
            /tr\[part|td|th\[scope="row"\]/.test(JSON.stringify(node.target)),
        );
        assert.ok(
          judgedInside.length >= FLIGHTS.length * 4,
          `axe judged the contrast of only ${judgedInside.length} cells inside the element on ${where}`,
        );
      }

      // Landmarks do not depend on the width.
      const where = `${path} (system in ${colorScheme} scheme)`;
      if (landmarks === 'page') {
        const structure = await run('rule', LANDMARK_RULES);
        assert.deepEqual(
          structure.violations.map((rule) => rule.id),
          [],
          `axe found landmark problems on ${where}:\n${describeResults(structure.violations)}`,
        );
      } else {
        const found: string[] = [];
        // getByRole pierces open shadow roots: a landmark inside the element counts.
        for (const role of LANDMARK_ROLES) {
          const count = await page.getByRole(role).count();
          if (count > 0) found.push(`${role} ×${count}`);
        }
        assert.deepEqual(found, [], `a page with only the element has landmarks on ${where}`);
      }
    } finally {
      await page.close();
    }
  }

  for (const theme of ['Airport', 'Light', 'Dark']) {
    for (const colorScheme of ['light', 'dark'] as const) {
      test(`the demo page in its ${theme} theme, system in ${colorScheme} scheme, with the stream log filled and its landmarks`, async () => {
        await assertAccessible('/', colorScheme, 'page', async (page) => {
          await page.getByRole('radio', { name: theme }).check();
          await page.waitForFunction(
            (value) => document.documentElement.dataset.theme === value,
            theme.toLowerCase(),
          );
          // The log's second EventSource has shown the snapshot: its entries are judged too.
          await page.locator('#log li.log__event').first().waitFor({ timeout: 5000 });
        });
      });
    }
  }

  // Not an axe rule, but text a reader cannot see whole: the demo's themes and log once did this.
  test('the demo shows its words whole in every theme: no state cut short, no log id over its type', async () => {
    const page = await browser.newPage({ viewport: { width: VIEWPORT_WIDTHS[0], height: 900 } });
    try {
      await page.goto(`${server.url}/`);
      await waitForLiveBoard(page);
      await page.locator('#log li.log__event').first().waitFor({ timeout: 5000 });
      const problems: string[] = [];
      for (const theme of ['Airport', 'Light', 'Dark']) {
        await page.getByRole('radio', { name: theme }).check();
        for (const width of VIEWPORT_WIDTHS) {
          await page.setViewportSize({ width, height: 900 });
          await page.evaluate(
            () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
          );
          const found = await page.evaluate(() => {
            const cells = document
              .querySelector('flight-board')
              ?.shadowRoot?.querySelectorAll('tbody [part~="state"]');
            const cut = [...(cells ?? [])]
              .filter((cell) => cell.scrollWidth > cell.clientWidth)
              .map(
                (cell) =>
                  `state "${cell.textContent?.trim()}" cut (${cell.scrollWidth} px in ${cell.clientWidth})`,
              );
            const entry = document.querySelector('#log li.log__event');
            const id = entry?.querySelector<HTMLElement>('.log__id');
            const type = entry?.querySelector<HTMLElement>('.log__type');
            if (!id || !type) return [...cut, 'no log entry with an id and a type'];
            const [idBox, typeBox] = [id.getBoundingClientRect(), type.getBoundingClientRect()];
            const sameLine = idBox.top < typeBox.bottom && typeBox.top < idBox.bottom;
            const overlap =
              id.scrollWidth > id.clientWidth ||
              (sameLine && idBox.right > typeBox.left && typeBox.right > idBox.left);
            return overlap
              ? [...cut, `log id "${id.textContent}" runs over its type "${type.textContent}"`]
              : cut;
          });
          problems.push(...found.map((problem) => `${theme} at ${width} px: ${problem}`));
        }
      }
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    test(`/classic.html, system in ${colorScheme} scheme, with its landmarks`, async () => {
      await assertAccessible('/classic.html', colorScheme, 'page');
    });
    test(`a bare page with only the element, system in ${colorScheme} scheme: no landmark comes from the element`, async () => {
      await assertAccessible('/bare.html', colorScheme, 'none-from-element');
    });
  }
});
