import preact from '@preact/preset-vite';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The browser app: one shell (index.html) for the front door, the viewer page, the host console
 * and the iframe player, and the embeddable player's script (`liveshop-player.js`, a fixed name
 * other sites load). Built into dist/app, which the server serves.
 */
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [preact({ prefreshEnabled: false })],
  logLevel: 'warn',
  build: {
    outDir: here('../../dist/app'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    manifest: true,
    reportCompressedSize: false,
    rolldownOptions: {
      input: { app: here('index.html'), 'liveshop-player': here('src/embed/element.tsx') },
      output: {
        entryFileNames: (chunk) =>
          chunk.name === 'liveshop-player' ? 'liveshop-player.js' : 'assets/[name]-[hash].js',
      },
    },
  },
});
