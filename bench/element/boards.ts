import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { BUNDLE_PATH } from '../support/bundle-size.ts';

/** A board under test: its page and the scripts that page loads. */
export interface Board {
  name: 'element' | 'naive-lit' | 'naive-react';
  html: string;
  scripts: Record<string, string>;
}

const page = (tag: string, script: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title></head><body>` +
  `<${tag} data-bench-board src="/events"></${tag}><script type="module" src="${script}"></script></body></html>`;

/** Bundles a comparison board (its library included, production build) with Vite, in memory. */
async function bundle(file: string): Promise<string> {
  const output = await build({
    configFile: false,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      write: false,
      target: 'es2022',
      lib: { entry: fileURLToPath(new URL(file, import.meta.url)), formats: ['es'] },
      rolldownOptions: { output: { minify: process.env.BENCH_MINIFY !== '0' } },
    },
  });
  const outputs = Array.isArray(output) ? output : [output];
  for (const o of outputs) {
    if ('output' in o) {
      const chunk = o.output.find((c) => c.type === 'chunk');
      if (chunk && 'code' in chunk) return chunk.code;
    }
  }
  throw new Error(`vite produced no bundle for ${file}`);
}

/** The element from `elementBundle` (default: dist/cdn/flight-board.js) and the two naive boards. */
export async function loadBoards(elementBundle: string | URL = BUNDLE_PATH): Promise<Board[]> {
  return [
    {
      name: 'element',
      html: page('flight-board', '/flight-board.js'),
      scripts: { '/flight-board.js': readFileSync(elementBundle, 'utf8') },
    },
    {
      name: 'naive-react',
      html: page('react-flight-board', '/react-board.js'),
      scripts: { '/react-board.js': await bundle('./react-board.ts') },
    },
    {
      name: 'naive-lit',
      html: page('naive-flight-board', '/naive-board.js'),
      scripts: { '/naive-board.js': await bundle('./naive-board.ts') },
    },
  ];
}
