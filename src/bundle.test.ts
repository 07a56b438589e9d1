// The shipped bundles, as built by `vite build` (npm test builds before it runs wtr).
import { expect, waitUntil } from '@open-wc/testing';

/** The size budget of the ES module, Lit included (DESIGN.md): 12 KB gzip. */
const BUDGET = 12 * 1024;

async function built(path: string): Promise<Response> {
  const response = await fetch(path, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${path} answered ${response.status}: run \`npx vite build\` first`);
  return response;
}

async function gzippedSize(response: Response): Promise<number> {
  const gzipped = response.body!.pipeThrough(new CompressionStream('gzip'));
  return (await new Response(gzipped).arrayBuffer()).byteLength;
}

describe('dist/cdn/flight-board.js', () => {
  it(`is at most ${BUDGET} bytes gzipped`, async () => {
    const size = await gzippedSize(await built('/dist/cdn/flight-board.js'));
    expect(size, `${size} bytes gzip`).to.be.at.most(BUDGET);
  });

  it('is self-contained: Lit is bundled, nothing is imported', async () => {
    const text = await (await built('/dist/cdn/flight-board.js')).text();
    expect(text).to.not.match(/(^|[;}\s])import\s*[\w{*'"]/);
    expect(text).to.not.contain('Lit is in dev mode');
  });
});

describe('dist/cdn/flight-board.iife.js', () => {
  it('works from a plain <script src> on a bare page', async () => {
    const frame = document.createElement('iframe');
    // A bare page: no module, no import map, only a classic script in <head> before the element.
    frame.srcdoc = `<!doctype html><html lang="en"><head><script src="/dist/cdn/flight-board.iife.js"></script></head>
      <body><flight-board heading="Bare page"><script type="application/json">
        [{"flight":"I768","origin":"Rome","arrival":"10:10","state":"landed"}]
      </script></flight-board></body></html>`;
    document.body.append(frame);
    try {
      await waitUntil(
        () =>
          frame.contentDocument
            ?.querySelector('flight-board')
            ?.shadowRoot?.querySelector('tbody tr[data-flight]'),
        'the board renders',
        { timeout: 3000 },
      );
      const board = frame.contentDocument!.querySelector('flight-board')!;
      const cells = [...board.shadowRoot!.querySelectorAll('tbody tr[data-flight] :is(th, td)')].map((td) =>
        td.textContent?.trim(),
      );
      expect(cells).to.deep.equal(['I768', 'Rome', '10:10', 'landed']);
      expect(board.shadowRoot!.querySelector('caption')!.textContent).to.equal('Bare page');
      expect(frame.contentWindow!.customElements.get('flight-board')).to.be.a('function');
    } finally {
      frame.remove();
    }
  });
});
