import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { agentStatus } from '../../electron/agent/agent-client.js';
import { agentSupported } from '../../electron/agent/agent-socket.js';
import { removeDir, runCoffer, tempDir } from '../helpers/cli.js';

/**
 * `coffer agent start --cache-passphrase SECONDS`: the agent holds a passphrase vault unlocked for
 * a while, so later commands skip the passphrase and its key derivation. Through the real CLI, the
 * real agent and its socket; "skipped the passphrase" is shown by commands that are given none.
 */
const PASSPHRASE = 'correct horse battery staple 42';

let root: string;
let vault: string;
let socket: string;
let recoveryCode: string;

/** A command with no passphrase anywhere: it succeeds only if the agent holds the vault unlocked. */
const withoutPassphrase = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCoffer(['--vault', vault, ...args], { env: { COFFER_AGENT_SOCKET: socket, ...env }, removeEnv: ['COFFER_PASSPHRASE'] });
const withPassphrase = (args: string[], passphrase = PASSPHRASE, env: NodeJS.ProcessEnv = {}) =>
  runCoffer(['--vault', vault, ...args], { env: { COFFER_AGENT_SOCKET: socket, COFFER_PASSPHRASE: passphrase, ...env } });

async function cachedVaults(): Promise<number> {
  const status = await agentStatus(socket);
  if (!status) throw new Error('the agent is not running');
  return status.cached_vaults;
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  root = await tempDir('coffer-cache-');
  vault = join(root, 'vault');
  socket = join(root, 'run', 'agent.sock');
  const init = await withPassphrase(['init', '--passphrase']);
  expect(init.code, init.stderr).toBe(0);
  recoveryCode = init.json.recovery_code;
  expect((await withPassphrase(['create-key', '--alias', 'notes'])).code).toBe(0);
});

afterEach(async () => {
  await withoutPassphrase(['agent', 'stop']);
});

afterAll(async () => {
  await removeDir(root);
});

describe.runIf(agentSupported())('the agent passphrase cache', () => {
  it('is opt-in: an agent started without --cache-passphrase holds nothing', async () => {
    const started = await withoutPassphrase(['agent', 'start']);
    expect(started.json).toMatchObject({ running: true, passphrase_cache_seconds: 0, cached_vaults: 0 });
    expect((await withPassphrase(['list-keys'])).code).toBe(0);
    expect(await cachedVaults()).toBe(0);
    expect((await withoutPassphrase(['list-keys'])).error?.error_code).toBe('COFFER.1012');
  });

  it('lets later commands, file and non-file, skip the passphrase; stop forgets it', async () => {
    const started = await withoutPassphrase(['agent', 'start', '--cache-passphrase', '600']);
    expect(started.json).toMatchObject({ running: true, passphrase_cache_seconds: 600, cached_vaults: 0 });
    // Nothing is held until a command has unlocked the vault once.
    expect((await withoutPassphrase(['list-keys'])).error?.error_code).toBe('COFFER.1012');
    // A wrong passphrase unlocks nothing, so nothing is held.
    expect((await withPassphrase(['list-keys'], 'not the passphrase at all')).error?.error_code).toBe('COFFER.1005');
    expect(await cachedVaults()).toBe(0);

    const first = await withPassphrase(['list-keys']);
    expect(first.code, first.stderr).toBe(0);
    expect(await cachedVaults()).toBe(1);

    const listed = await withoutPassphrase(['list-keys']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.json.keys).toEqual(first.json.keys);
    const created = await withoutPassphrase(['create-key', '--alias', 'cached']);
    expect(created.code, created.stderr).toBe(0);
    // A file command goes to the agent whole and opens the vault there, from the same cache.
    const input = join(root, 'letter.txt');
    await writeFile(input, 'dear diary');
    const encrypted = await withoutPassphrase(['encrypt-file', '--key-id', 'alias/cached', input]);
    expect(encrypted.code, encrypted.stderr).toBe(0);
    expect(existsSync(`${input}.coffer`)).toBe(true);
    // A command run with the agent switched off asks for the passphrase as ever.
    expect((await withoutPassphrase(['list-keys'], { COFFER_AGENT: 'off' })).error?.error_code).toBe('COFFER.1012');

    expect((await withoutPassphrase(['agent', 'stop'])).json).toMatchObject({ was_running: true });
    await withoutPassphrase(['agent', 'start', '--cache-passphrase', '600']);
    expect(await cachedVaults()).toBe(0);
    expect((await withoutPassphrase(['list-keys'])).error?.error_code).toBe('COFFER.1012');
  });

  it('forgets the vault when its time is up', async () => {
    await withoutPassphrase(['agent', 'start', '--cache-passphrase', '2']);
    expect((await withPassphrase(['list-keys'])).code).toBe(0);
    expect((await withoutPassphrase(['list-keys'])).code).toBe(0);
    await until(async () => (await cachedVaults()) === 0, 'the held key has expired');
    expect((await withoutPassphrase(['list-keys'])).error?.error_code).toBe('COFFER.1012');
  });

  it('forgets the vault when its protection changes, even if the agent is not told', async () => {
    await withoutPassphrase(['agent', 'start', '--cache-passphrase', '600']);
    expect((await withPassphrase(['list-keys'])).code).toBe(0);
    expect(await cachedVaults()).toBe(1);
    // A new passphrase, set by a command that does not talk to the agent at all.
    const next = 'a brand new passphrase for 2027';
    const recovered = await withPassphrase(['recover', '--recovery-code', recoveryCode, '--passphrase'], next, {
      COFFER_AGENT: 'off',
    });
    expect(recovered.code, recovered.stderr).toBe(0);
    await until(async () => (await cachedVaults()) === 0, 'the agent has noticed the new protection');
    expect((await withoutPassphrase(['list-keys'])).error?.error_code).toBe('COFFER.1012');
    expect((await withPassphrase(['list-keys'], PASSPHRASE)).error?.error_code).toBe('COFFER.1005');

    // Held again under the new passphrase; a recover that tells the agent drops it at once.
    expect((await withPassphrase(['list-keys'], next)).code).toBe(0);
    expect(await cachedVaults()).toBe(1);
    expect((await withPassphrase(['recover', '--recovery-code', recoveryCode, '--passphrase'], PASSPHRASE)).code).toBe(0);
    expect(await cachedVaults()).toBe(0);
    expect((await withoutPassphrase(['list-keys'])).error?.error_code).toBe('COFFER.1012');
  });

  it('refuses a cache time out of range', async () => {
    const refused = await withoutPassphrase(['agent', 'start', '--cache-passphrase', '-5']);
    expect(refused.code).not.toBe(0);
    const tooLong = await withoutPassphrase(['agent', 'start', '--cache-passphrase', String(25 * 3600)]);
    expect(tooLong.error?.error_code).toBe('KMS.0308');
  });
});
