// Bundles what cannot run as plain compiled modules: the sandboxed preload (one CommonJS file,
// 'electron' left to the runtime) and the renderer page (browser code, no Node).
import { copyFile, mkdir } from 'node:fs/promises';
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
await build({
  entryPoints: ['renderer/status-page.ts'],
  outdir: 'dist/renderer',
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'chrome130',
  logLevel: 'warning',
});
await mkdir('dist/renderer', { recursive: true });
for (const file of ['index.html', 'status-page.css']) await copyFile(`renderer/${file}`, `dist/renderer/${file}`);
