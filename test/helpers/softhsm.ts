import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where Debian, Fedora, Homebrew and a source build put SoftHSM2's PKCS#11 module. */
const MODULE_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib64/pkcs11/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
  '/opt/homebrew/lib/softhsm/libsofthsm2.so',
];

export const SOFTHSM_MODULE = MODULE_CANDIDATES.find((path) => existsSync(path)) ?? MODULE_CANDIDATES[0]!;

export interface SoftHsm {
  /** The folder whose tokens this SoftHSM2 sees (nothing else). */
  dir: string;
  tokenDir: string;
  /** SOFTHSM2_CONF for child processes; `use()` sets it for this process. */
  env: { SOFTHSM2_CONF: string };
  module: string;
  /** Makes this SoftHSM2 the one the library in this process reads at its next C_Initialize. */
  use(): void;
  /** `softhsm2-util --init-token --free`: a new token; returns its serial number. */
  initToken(label: string, pin: string, soPin?: string): Promise<string>;
  deleteToken(label: string): Promise<void>;
  remove(): Promise<void>;
}

/** A SoftHSM2 of its own, in a temporary folder (under `parent` when given), through SOFTHSM2_CONF. */
export async function startSoftHsm(tokenDir?: string, parent = tmpdir()): Promise<SoftHsm> {
  const dir = await mkdtemp(join(parent, 'coffer-softhsm-'));
  const tokens = tokenDir ?? join(dir, 'tokens');
  await mkdir(tokens, { recursive: true });
  const conf = join(dir, 'softhsm2.conf');
  await writeFile(
    conf,
    `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`,
  );
  const env = { SOFTHSM2_CONF: conf };
  const util = (args: string[]) => run('softhsm2-util', args, { env: { ...process.env, ...env } });
  return {
    dir,
    tokenDir: tokens,
    env,
    module: SOFTHSM_MODULE,
    use: () => {
      process.env.SOFTHSM2_CONF = conf;
    },
    async initToken(label, pin, soPin = '87654321') {
      await util(['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', soPin]);
      const { stdout } = await util(['--show-slots']);
      // Each slot's block lists "Serial number:" then "Initialized:" ... "Label:".
      const blocks = stdout.split(/\nSlot /);
      const block = blocks.find((b) => new RegExp(`Label:\\s+${label}\\s*\\n`).test(`${b}\n`));
      const serial = /Serial number:\s+(\S+)/.exec(block ?? '')?.[1];
      if (!serial) throw new Error(`softhsm2-util made token ${label} but does not list it:\n${stdout}`);
      return serial;
    },
    async deleteToken(label) {
      await util(['--delete-token', '--token', label]);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
