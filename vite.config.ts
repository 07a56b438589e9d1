import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin, type UserConfig } from 'vite';
import { minifyCssLiterals } from './scripts/minify-css-literals.ts';

/**
 * `vite build`: the npm entries. Lit and React stay imports, so an app that already has Lit
 * carries one copy; the protocol module and `@lit/react` (a few hundred bytes) are bundled,
 * so the package's only runtime dependency is `lit`.
 */
const npmEntries: UserConfig = {
  plugins: [minifyCssLiterals()],
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    minify: false,
    lib: {
      entry: { index: 'src/define.ts', element: 'src/element.ts', react: 'src/react.ts' },
      formats: ['es'],
    },
    rolldownOptions: {
      external: (id) => /^(lit|lit-html|lit-element|@lit\/reactive-element|react)(\/|$)/.test(id),
    },
  },
};

/** `vite build --mode cdn`: one self-contained ES module and a classic script, Lit bundled in both. */
const cdnBundles: UserConfig = {
  plugins: [minifyCssLiterals()],
  build: {
    target: 'es2022',
    outDir: 'dist/cdn',
    emptyOutDir: true,
    lib: {
      entry: 'src/define.ts',
      name: 'FlightBoard',
      formats: ['es', 'iife'],
      fileName: (format) => (format === 'es' ? 'flight-board.js' : `flight-board.${format}.js`),
    },
    rolldownOptions: { output: { minify: true } },
  },
};

const ROOT = fileURLToPath(new URL('./', import.meta.url));
/** Where `npm run dev` forwards the stream and the REST API (scripts/dev.ts sets it). */
const SERVER = process.env.FLIGHT_BOARD_SERVER ?? 'http://localhost:5000';
/** Routes the reference server answers; everything else is the demo, served by Vite. */
const SERVER_ROUTES = [
  '/events',
  '/flights',
  '/close',
  '/open',
  '/drop',
  '/health',
  '/metrics',
  '/flight-board.iife.js',
];

/** Modules the built server serves beside the demo, taken from their sources in dev. */
const FROM_SOURCE: Record<string, string> = {
  '/flight-board.js': `${ROOT}src/define.ts`,
  './protocol.js': `${ROOT}protocol/protocol.ts`,
};

/** In dev, the demo's `/flight-board.js` and `./protocol.js` are their sources, so an edit reloads the page. */
function elementFromSource(): Plugin {
  return {
    name: 'flight-board-element-source',
    resolveId: (id) => FROM_SOURCE[id],
  };
}

/** `npm run dev`: the demo with hot reload of the element, the server's routes proxied. */
const dev: UserConfig = {
  root: 'demo',
  plugins: [elementFromSource()],
  server: {
    host: '127.0.0.1',
    port: 5173,
    fs: { allow: [ROOT] },
    proxy: Object.fromEntries(SERVER_ROUTES.map((route) => [route, { target: SERVER }])),
  },
};

export default defineConfig(({ command, mode }) => {
  if (command === 'serve') return dev;
  return mode === 'cdn' ? cdnBundles : npmEntries;
});
