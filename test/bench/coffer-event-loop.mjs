// Runs Coffer's engine in-process, as the desktop app's main process does, and measures how long
// the event loop ever stalls while a file is encrypted and decrypted: the UI must stay responsive.
//   node test/bench/coffer-event-loop.mjs --vault DIR --key-id alias/bench [--warmup N] INPUT OUT_DIR
// --warmup N runs the encryption and decryption N times unmeasured first, as the bench does for
// every command it runs.
// Prints one JSON object. Needs the build (dist/) and the vault's keychain.
import { mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const dist = new URL('../../dist/electron/', import.meta.url);
const { Vault } = await import(new URL('core/vault/vault.js', dist).href);
const { WorkerPool } = await import(new URL('core/jobs/worker-pool.js', dist).href);
const { vaultKeyring } = await import(new URL('core/keyrings/vault-keyring.js', dist).href);
const { encryptFile, decryptFile } = await import(new URL('core/jobs/file-crypto.js', dist).href);

const { values, positionals } = parseArgs({
  options: { vault: { type: 'string' }, 'key-id': { type: 'string' }, warmup: { type: 'string', default: '0' } },
  allowPositionals: true,
});
const [input, outDir] = positionals;
if (!values.vault || !values['key-id'] || !input || !outDir) {
  console.error('usage: coffer-event-loop.mjs --vault DIR --key-id KEY INPUT OUT_DIR');
  process.exit(2);
}

/** Times one job while sampling the event loop every 10 ms. */
async function measure(job) {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const start = process.hrtime.bigint();
  const outcome = await job();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  histogram.disable();
  // The histogram records whole timer intervals, so this includes the 10 ms resolution itself. A
  // job shorter than one interval (a warm run on a small file) leaves no sample: then the job's own
  // length bounds how long the loop can have stalled.
  const worst = histogram.count > 0 ? histogram.max / 1e6 : seconds * 1000;
  return { outcome, seconds, worst_delay_ms: worst, max_rss_kib: process.resourceUsage().maxRSS };
}

await mkdir(outDir, { recursive: true });
const vault = await Vault.open({ dir: values.vault });
const pool = new WorkerPool();
try {
  const encrypted = join(outDir, `${basename(input)}.coffer`);
  const decrypted = join(outDir, basename(input));
  for (let i = 0; i < Number(values.warmup); i += 1) {
    await encryptFile(input, encrypted, {}, { pool, keys: vaultKeyring(vault, [values['key-id']], 'encrypt-file') });
    await decryptFile(encrypted, decrypted, { pool, keys: vaultKeyring(vault, [], 'decrypt-file') });
    await rm(encrypted);
    await rm(decrypted);
  }
  const enc = await measure(() =>
    encryptFile(input, encrypted, {}, { pool, keys: vaultKeyring(vault, [values['key-id']], 'encrypt-file') }),
  );
  const dec = await measure(() =>
    decryptFile(enc.outcome.output, decrypted, { pool, keys: vaultKeyring(vault, [], 'decrypt-file') }),
  );
  const summary = (m) => ({
    seconds: m.seconds,
    worst_delay_ms: m.worst_delay_ms,
    max_rss_kib: m.max_rss_kib,
    bytes: m.outcome.bytes,
  });
  process.stdout.write(
    `${JSON.stringify({
      encrypt: { ...summary(enc), output: enc.outcome.output },
      // The caller checks this output against the input: hashing here would load the main thread.
      decrypt: { ...summary(dec), output: dec.outcome.output },
      worst_delay_ms: Math.max(enc.worst_delay_ms, dec.worst_delay_ms),
      max_rss_kib: process.resourceUsage().maxRSS,
      workers: pool.size,
    })}\n`,
  );
} finally {
  await pool.close();
}
