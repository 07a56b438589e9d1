import { defineConfig } from 'vite';

/** The element as one self-contained ES module and as a classic script, Lit bundled in both. */
export default defineConfig({
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    lib: {
      entry: 'src/define.ts',
      name: 'FlightBoard',
      formats: ['es', 'iife'],
      fileName: (format) => (format === 'es' ? 'flight-board.js' : `flight-board.${format}.js`),
    },
    rolldownOptions: { output: { minify: true } },
  },
});
