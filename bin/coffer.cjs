#!/usr/bin/env node
'use strict';
// The `coffer` command. It runs the CLI bundle that `npm install` builds (its prepare step; see
// scripts/bundle.js) with V8's code cache, kept beside the bundle: compiling the bundle's 1.2 MB
// of JavaScript afresh costs each run about 30 ms (measured: an empty file's encrypt-file,
// 235 -> 198 ms). A scripted file command goes to a running `coffer agent` before any of that, through
// a small client of its own. The cache starts with the SHA-256 of the source it was made from, because V8
// itself checks only the source's length before trusting a cache.
// CommonJS, not an ES module: Node's ES module loader costs every command about 10 ms before its
// first line (measured: an entry that only checks a file, 111.5 -> 99.8 ms).
const { existsSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const { pathToFileURL } = require('node:url');

const bundle = join(__dirname, '..', 'dist', 'electron', 'cli', 'coffer.bundle.cjs');
const cacheFile = bundle.replace(/\.cjs$/, '.v8-cache');
if (!existsSync(bundle)) {
  process.stderr.write('coffer: the CLI is not built yet. Run `npm install` (or `npm run build`) in the Coffer folder first.\n');
  process.exit(1);
}
const thinClient = join(__dirname, '..', 'dist', 'electron', 'cli', 'agent-thin-client.cjs');

void main();

async function main() {
  const viaAgent = existsSync(thinClient)
    ? await require(thinClient).runThroughAgent(process.argv.slice(2), pathToFileURL(bundle).href)
    : undefined;
  if (viaAgent === undefined) await runBundle();
  else process.exitCode = viaAgent;
}

async function runBundle() {
  // Loaded here: the agent's path needs neither.
  const { createHash } = require('node:crypto');
  const { Script } = require('node:vm');
  const bytes = readFileSync(bundle);
  const source = bytes.toString('utf8');
  const digest = createHash('sha256').update(bytes).digest();
  let cachedData;
  try {
    const cache = readFileSync(cacheFile);
    if (cache.length > digest.length && cache.subarray(0, digest.length).equals(digest))
      cachedData = cache.subarray(digest.length);
  } catch {
    // No cache yet: this run compiles, then writes one.
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData,
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  process.exitCode = await module.exports.runCli(process.argv.slice(2));

  // Made after the run, the cache also holds the functions this command compiled on the way.
  // Best effort: where the install is read-only, each run compiles, as it would without a cache.
  if (cachedData === undefined || script.cachedDataRejected) {
    const temp = `${cacheFile}.${process.pid}.tmp`;
    try {
      writeFileSync(temp, Buffer.concat([digest, script.createCachedData()]));
      renameSync(temp, cacheFile);
    } catch {
      rmSync(temp, { force: true });
    }
  }
}
