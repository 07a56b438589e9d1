import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { BUNDLE_PATH } from '../support/bundle-size.ts';

/** A board under test: its page and the scripts that page loads. */
export interface Board {
  name: 'element' | 'naive';
  html: string;
  scripts: Record<string, string>;
}

const page = (tag: string, script: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title></head><body>` +
  `<${tag} data-bench-board src="/events"></${tag}><script type="module" src="${script}"></script></body></html>`;

/** Bundles the naive board (lit-html included) with Vite, in memory. */
async function naiveBundle(): Promise<string> {
  const output = await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      target: 'es2022',
      lib: { entry: fileURLToPath(new URL('./naive-board.ts', import.meta.url)), formats: ['es'] },
      rolldownOptions: { output: { minify: true } },
    },
  });
  const outputs = Array.isArray(output) ? output : [output];
  for (const o of outputs) {
    if ('output' in o) {
      const chunk = o.output.find((c) => c.type === 'chunk');
      if (chunk && 'code' in chunk) return chunk.code;
    }
  }
  throw new Error('vite produced no bundle for the naive board');
}

/** The element from `bundle` (default: dist/flight-board.js) and the naive board. */
export async function loadBoards(bundle: string | URL = BUNDLE_PATH): Promise<Board[]> {
  return [
    {
      name: 'element',
      html: page('flight-board', '/flight-board.js'),
      scripts: { '/flight-board.js': readFileSync(bundle, 'utf8') },
    },
    {
      name: 'naive',
      html: page('naive-flight-board', '/naive-board.js'),
      scripts: { '/naive-board.js': await naiveBundle() },
    },
  ];
}
