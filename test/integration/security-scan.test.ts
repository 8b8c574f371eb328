import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../scripts/security-scan.js', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/insecure-shell', import.meta.url));

describe('the Electronegativity gate', () => {
  it('passes the shell as it is', () => {
    const run = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { ...process.env, COFFER_SCAN_SOURCES: '' } });
    expect(run.status, run.stderr).toBe(0);
  });

  it('fails on an insecure shell and names the findings', () => {
    const run = spawnSync(process.execPath, [script], {
      encoding: 'utf8',
      env: { ...process.env, COFFER_SCAN_SOURCES: fixture },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/NODE_INTEGRATION|CONTEXT_ISOLATION|SANDBOX/);
  });
});
