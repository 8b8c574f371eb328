// esbuild bundles, made after tsc:
// - the sandboxed preload, one CommonJS file ('electron' left to the runtime), as a sandboxed
//   preload must be (the renderer is built by Vite, renderer/vite.config.ts);
// - the `coffer` CLI and its crypto worker, one file each: Node loads one file far faster than
//   the ~200 modules tsc emits (measured: `coffer --version` 0.18 s -> 0.10 s), and every file
//   command pays that at startup. They sit beside the tsc output of electron/cli so the paths
//   they compute from import.meta.url (the repo root, the worker beside the pool, dist/native)
//   hold.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
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

// The sources' import.meta.url becomes the bundle's own URL in the CommonJS bundles below.
const moduleUrl = {
  define: { 'import.meta.url': '__cofferModuleUrl' },
  banner: { js: "var __cofferModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
};

/** A Node script bundled into one CommonJS file, whose import.meta.url is that file's URL. */
const nodeScript = (entry, outfile, options = {}) =>
  build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    ...moduleUrl,
    logLevel: 'warning',
    ...options,
  });

// The crypto worker: one CommonJS script, which a worker thread starts faster than an ES module
// (measured: two workers answer their first message after 26-33 ms instead of 31-46).
await nodeScript('electron/core/jobs/crypto-worker.ts', 'dist/electron/cli/crypto-worker.cjs');

// The agent's thin client, which bin/coffer.cjs loads before the CLI: a scripted file command that
// an agent runs costs only this small file's loading (electron/agent/agent-thin-client.ts).
await nodeScript('electron/agent/agent-thin-client.ts', 'dist/electron/cli/agent-thin-client.cjs');

// The CLI: one CommonJS script, because bin/coffer.cjs runs it through node:vm with V8's code
// cache (Node 20 caches no ES module). keytar, a native addon, loads from node_modules at run time.
const cli = 'dist/electron/cli/coffer.bundle.cjs';
await nodeScript('electron/cli/main.ts', cli, { external: ['keytar', 'pkcs11js'] });
// esbuild escapes non-ASCII text in code but copies comments as they are, and one em dash in a
// comment makes V8 hold the whole source as a two-byte string: decoding and hashing it then cost
// bin/coffer.cjs ~12 ms a run instead of ~1. An escape changes nothing in a comment, a string or a regex.
const source = readFileSync(cli, 'utf8');
writeFileSync(
  cli,
  source.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
);
// The cache of the previous bundle (bin/coffer.cjs would refuse it anyway: it checks a digest).
rmSync(cli.replace(/\.cjs$/, '.v8-cache'), { force: true });
rmSync('dist/electron/cli/coffer.bundle.js', { force: true });
rmSync('dist/electron/cli/crypto-worker.js', { force: true });
