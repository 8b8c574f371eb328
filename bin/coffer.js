#!/usr/bin/env node
// The `coffer` command: the bundle `npm install` builds (its prepare step; see scripts/bundle.js).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/electron/cli/coffer.bundle.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('coffer: the CLI is not built yet. Run `npm install` (or `npm run build`) in the Coffer folder first.\n');
  process.exit(1);
}
const { runCli } = await import(entry.href);
process.exitCode = await runCli(process.argv.slice(2));
