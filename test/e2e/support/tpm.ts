import { execFileSync } from 'node:child_process';
import { startSwtpm, type SoftwareTpm } from '../../helpers/swtpm.js';
import { test as base } from './fixtures.js';

/** The tools a TPM spec needs on PATH; CI installs them (.ci/run). */
function missingTools(): string[] {
  return ['swtpm', 'tpm2_getcap'].filter((tool) => {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
}
const missing = missingTools();
export const tpmSkipReason =
  missing.length > 0 ? `${missing.join(' and ')} not installed (apt-get install swtpm swtpm-tools tpm2-tools)` : null;

/**
 * Points the main-process code behind the page (which runs in this process) at `tcti`, as the
 * desktop app reads TPM2TOOLS_TCTI from its environment; puts the previous value back after.
 */
async function withTcti(tcti: string, run: () => Promise<void>): Promise<void> {
  const before = process.env.TPM2TOOLS_TCTI;
  process.env.TPM2TOOLS_TCTI = tcti;
  try {
    await run();
  } finally {
    if (before === undefined) delete process.env.TPM2TOOLS_TCTI;
    else process.env.TPM2TOOLS_TCTI = before;
  }
}

/** A spec whose app has a TPM: a swtpm of its own on a loopback port, for the whole spec. */
export const withTpm = base.extend<{ tpm: SoftwareTpm }>({
  tpm: async ({}, use) => {
    const tpm = await startSwtpm();
    try {
      await withTcti(tpm.env.TPM2TOOLS_TCTI, () => use(tpm));
    } finally {
      await tpm.stop();
    }
  },
  // The app starts after the TCTI is set and closes before swtpm stops.
  server: async ({ tpm: _tpm, server }, use) => use(server),
});

/** A spec whose app is configured for a TPM that does not answer: the TCTI of a swtpm already stopped. */
export const withUnreachableTpm = base.extend<{ deadTcti: string }>({
  deadTcti: async ({}, use) => {
    const gone = await startSwtpm();
    await gone.stop();
    await withTcti(gone.env.TPM2TOOLS_TCTI, () => use(gone.env.TPM2TOOLS_TCTI));
  },
  server: async ({ deadTcti: _deadTcti, server }, use) => use(server),
});

export { expect } from './fixtures.js';
