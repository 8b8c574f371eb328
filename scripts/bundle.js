// esbuild bundles, made after tsc:
// - the sandboxed preload, one CommonJS file ('electron' left to the runtime), as a sandboxed
//   preload must be (the renderer is built by Vite, renderer/vite.config.ts);
// - the `coffer` CLI and its crypto worker, each one ES module: Node loads one file far faster
//   than the ~200 modules tsc emits (measured: `coffer --version` 0.18 s -> 0.10 s), and every
//   file command pays that at startup. They sit beside the tsc output of electron/cli so the
//   paths they compute from import.meta.url (the repo root, the worker beside the pool) hold.
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

// CommonJS dependencies (commander, proper-lockfile, write-file-atomic) use require() and
// __filename: give the ES module both.
const requireShim = [
  "import { createRequire as __cofferRequire } from 'node:module';",
  "import { fileURLToPath as __cofferPath } from 'node:url';",
  'const require = __cofferRequire(import.meta.url);',
  'const __filename = __cofferPath(import.meta.url);',
  "const __dirname = __cofferPath(new URL('.', import.meta.url));",
].join(' ');
for (const [entry, outfile] of [
  ['electron/cli/main.ts', 'dist/electron/cli/coffer.bundle.js'],
  ['electron/jobs/crypto-worker.ts', 'dist/electron/cli/crypto-worker.js'],
]) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // A native addon, loaded from node_modules at run time.
    external: ['keytar'],
    banner: { js: requireShim },
    logLevel: 'warning',
  });
}
