import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { CofferError } from '../../../shared/errors.js';

/**
 * Seals a secret (the vault master key) to this machine's TPM 2.0 through tpm2-tools: a sealed
 * data object under the owner hierarchy's primary key, whose public and private blobs the vault
 * file keeps. Only the TPM that made them can load them, and only until it is cleared (the owner
 * seed changes). No PCR policy: a firmware or kernel update must not lock the user out; the
 * recovery code is the way back when the TPM is gone or cleared.
 *
 * tpm2-tools reads its TCTI from TPM2TOOLS_TCTI (default: the kernel's resource manager,
 * /dev/tpmrm0). Without a resource manager (swtpm on a socket) transient objects would fill the
 * TPM's few slots, so each command's objects are flushed after it (tpm2_flushcontext -t).
 */
export const TpmSealedSchema = z.strictObject({
  /** The primary key's template: recreated from the owner seed at each unseal, never stored. */
  primary: z.literal('owner-ecc256'),
  public: z.string().min(1),
  private: z.string().min(1),
});
export type TpmSealed = z.infer<typeof TpmSealedSchema>;

type Env = NodeJS.ProcessEnv;

function where(env: Env): string {
  return env.TPM2TOOLS_TCTI ? `the TPM at TCTI "${env.TPM2TOOLS_TCTI}"` : 'the TPM at /dev/tpmrm0';
}

function tool(command: string, args: string[], env: Env, input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new CofferError(
              'COFFER.9022',
              `${command} was not found: install tpm2-tools (apt-get install tpm2-tools, dnf install tpm2-tools) to use the TPM, ` +
                'or choose keychain or passphrase protection.',
            )
          : error,
      );
    });
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new TpmToolFailure(command, Buffer.concat(err).toString('utf8').trim()));
    });
    child.stdin.end(input ?? Buffer.alloc(0));
  });
}

class TpmToolFailure extends Error {
  constructor(
    readonly command: string,
    readonly stderr: string,
  ) {
    super(`${command}: ${stderr.split('\n').at(-1) ?? 'failed'}`);
  }
}

// A TCTI that cannot connect, a device that is missing or not ours to open.
const UNREACHABLE = /tcti|connect|No such file or directory|Permission denied|Could not open|Failed to initialize/i;

function unreachable(env: Env, failure: TpmToolFailure): CofferError {
  return new CofferError(
    'COFFER.9020',
    `${where(env)} could not be reached (${failure.stderr.split('\n')[0]?.slice(0, 200) ?? 'no answer'}). ` +
      'Check that this machine has a TPM 2.0 and that you may use it (on Linux: membership of the tss group), ' +
      'or set TPM2TOOLS_TCTI; without a TPM, `coffer recover --recovery-code CODE` seals the vault under the keychain or a passphrase.',
  );
}

async function flushTransient(env: Env): Promise<void> {
  await tool('tpm2_flushcontext', ['-t'], env).catch(() => undefined);
}

/** Runs tpm2-tools steps in a private temporary folder, flushing transient objects after each. */
async function inScratch<T>(env: Env, work: (dir: string, step: typeof tool) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-tpm-'));
  const step: typeof tool = async (command, args, stepEnv, input) => {
    try {
      return await tool(command, args, stepEnv, input);
    } finally {
      await flushTransient(stepEnv);
    }
  };
  try {
    return await work(dir, step);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The owner hierarchy's ECC primary, in `dir`; a TPM that does not answer is named as unreachable. */
async function createPrimary(step: typeof tool, env: Env, dir: string): Promise<string> {
  const context = join(dir, 'primary.ctx');
  try {
    await step('tpm2_createprimary', ['-Q', '-C', 'o', '-G', 'ecc256', '-c', context], env);
  } catch (error) {
    if (error instanceof TpmToolFailure) throw unreachable(env, error);
    throw error;
  }
  return context;
}

/** Seals `secret` (at most 128 bytes) to the TPM; the secret goes through a pipe, never a file. */
export async function sealToTpm(secret: Buffer, env: Env = process.env): Promise<TpmSealed> {
  return inScratch(env, async (dir, step) => {
    const primary = await createPrimary(step, env, dir);
    const publicBlob = join(dir, 'sealed.pub');
    const privateBlob = join(dir, 'sealed.priv');
    try {
      await step('tpm2_create', ['-Q', '-C', primary, '-i', '-', '-u', publicBlob, '-r', privateBlob], env, secret);
    } catch (error) {
      if (error instanceof TpmToolFailure) {
        throw new CofferError(
          'COFFER.9021',
          `${where(env)} refused to seal the vault's master key (${error.message.slice(0, 200)}). Nothing was written.`,
        );
      }
      throw error;
    }
    return {
      primary: 'owner-ecc256',
      public: (await readFile(publicBlob)).toString('base64'),
      private: (await readFile(privateBlob)).toString('base64'),
    };
  });
}

/** The secret back from the TPM that sealed it; a cleared or different TPM cannot. */
export async function unsealFromTpm(sealed: TpmSealed, env: Env = process.env): Promise<Buffer> {
  return inScratch(env, async (dir, step) => {
    const primary = await createPrimary(step, env, dir);
    const publicBlob = join(dir, 'sealed.pub');
    const privateBlob = join(dir, 'sealed.priv');
    await writeFile(publicBlob, Buffer.from(sealed.public, 'base64'), { mode: 0o600 });
    await writeFile(privateBlob, Buffer.from(sealed.private, 'base64'), { mode: 0o600 });
    const object = join(dir, 'sealed.ctx');
    try {
      await step('tpm2_load', ['-Q', '-C', primary, '-u', publicBlob, '-r', privateBlob, '-c', object], env);
      return await step('tpm2_unseal', ['-c', object], env);
    } catch (error) {
      if (!(error instanceof TpmToolFailure)) throw error;
      if (UNREACHABLE.test(error.stderr) && !/integrity|0x9a2|0x1df|0x98b/i.test(error.stderr)) throw unreachable(env, error);
      throw new CofferError(
        'COFFER.9021',
        `${where(env)} cannot unseal this vault's master key: it is not the TPM that sealed it, or it was cleared since ` +
          `(${error.message.slice(0, 160)}). Run \`coffer recover --recovery-code CODE\` to seal the vault again ` +
          '(with --protection tpm to use this TPM).',
      );
    }
  });
}

/** Whether this machine offers a TPM 2.0 that tpm2-tools can talk to (what first run asks). */
export async function tpmAvailable(env: Env = process.env): Promise<boolean> {
  if (!env.TPM2TOOLS_TCTI && !existsSync('/dev/tpmrm0')) return false;
  return new Promise((resolve) => {
    execFile('tpm2_getcap', ['properties-fixed'], { env, timeout: 5000 }, (error) => resolve(error === null));
  });
}
