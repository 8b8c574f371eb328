// Bundles the sandboxed preload into one CommonJS file ('electron' left to the runtime), as a
// sandboxed preload must be. The renderer is built by Vite (renderer/vite.config.ts).
import { build } from 'esbuild';

await build({
  entryPoints: ['electron/app/preload.ts'],
  outfile: 'dist/preload.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  external: ['electron'],
  logLevel: 'warning',
});
