import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { checkSizes, GCM_TAG_BYTES, gcmOpen, gcmSeal, type GcmSealed } from './aes-gcm.js';

/**
 * AES-256-GCM for file frames, where a gigabyte means thousands of calls. Two implementations
 * with the same results (the Wycheproof vectors run through both):
 * - `openssl-in-place`: the addon in ./native, built into dist/native by `npm run build`. It runs
 *   Node's own OpenSSL in the caller's buffer: no allocation per frame, where node:crypto returns
 *   a new buffer per call (measured on 1 GiB, two workers: 0.64 s -> 0.47 s; see native/aes-gcm.c).
 * - `node-crypto`: gcmSeal/gcmOpen. Used when the addon is not built, when its OpenSSL symbols do
 *   not resolve (Electron links BoringSSL and exports none of it), or with COFFER_AES_GCM=node.
 * Callers use what seal/open return and treat `data` as consumed: it may now hold the result.
 */
export interface FrameCipher {
  readonly name: 'openssl-in-place' | 'node-crypto';
  /** Encrypts `data` and writes the 16-byte tag into `tag`; returns the ciphertext. */
  seal(key: Buffer, iv: Buffer, aad: Buffer, data: Buffer, tag: Buffer): Buffer;
  /** Checks `tag` and decrypts `data`; returns the plaintext, or null when they do not verify. */
  open(key: Buffer, iv: Buffer, aad: Buffer, data: Buffer, tag: Buffer): Buffer | null;
}

export const nodeFrameCipher: FrameCipher = {
  name: 'node-crypto',
  seal(key, iv, aad, data, tag) {
    const sealed = gcmSeal(key, iv, data, aad);
    sealed.tag.copy(tag);
    return sealed.ciphertext;
  },
  open: (key, iv, aad, data, tag) => gcmOpen(key, iv, data, tag, aad),
};

interface AddonExports {
  seal(key: Buffer, iv: Buffer, aad: Buffer, data: Buffer, tag: Buffer): void;
  open(key: Buffer, iv: Buffer, aad: Buffer, data: Buffer, tag: Buffer): boolean;
  /** Absent from a build older than this file. */
  hmac512?(key: Buffer, data: Buffer, out: Buffer): void;
}

function isAddon(value: unknown): value is AddonExports {
  const exports = value as Partial<AddonExports> | null;
  return typeof exports?.seal === 'function' && typeof exports.open === 'function';
}

/**
 * The builds to try, in order. coffer_aes_gcm.node uses the OpenSSL that `node` exports; Electron
 * ships BoringSSL and exports none of it, so there only coffer_aes_gcm_static.node, which carries
 * its own (Linux), can load. COFFER_AES_GCM=static asks for that one anywhere (its tests run it).
 */
function addonNames(): string[] {
  if (process.env.COFFER_AES_GCM === 'static') return ['coffer_aes_gcm_static'];
  const names = ['coffer_aes_gcm', 'coffer_aes_gcm_static'];
  return process.versions.electron === undefined ? names : names.reverse();
}

/**
 * dist/native from the CLI's bundle (dist/electron/cli) or the compiled module
 * (dist/electron/core/crypto); from the sources (electron/core/crypto), the checkout's.
 */
function addonPaths(name: string): string[] {
  return ['../../native/', '../../../native/', '../../../dist/native/'].map((dir) =>
    fileURLToPath(new URL(`${dir}${name}.node`, import.meta.url)),
  );
}

function loadAddon(): { cipher: FrameCipher | null; detail: string; hmac512?: AddonExports['hmac512'] } {
  if (process.env.COFFER_AES_GCM === 'node') return { cipher: null, detail: 'COFFER_AES_GCM=node' };
  const failures: string[] = [];
  for (const name of addonNames()) {
    const path = addonPaths(name).find((candidate) => existsSync(candidate));
    if (!path) continue;
    const loaded = loadAddonFile(path);
    if (typeof loaded !== 'string') return loaded;
    failures.push(loaded);
  }
  return {
    cipher: null,
    detail: failures.length > 0 ? failures.join('; ') : 'the addon is not built (`npm run build` builds it)',
  };
}

/** The cipher of one build of the addon, or why it did not load. */
function loadAddonFile(path: string): { cipher: FrameCipher; detail: string; hmac512?: AddonExports['hmac512'] } | string {
  const module = { exports: {} as unknown };
  try {
    // RTLD_NOW: a missing OpenSSL symbol fails here, where it is caught, not at the first call,
    // where it would kill the process. (Windows has no flags and resolves imports at load.)
    const flags = constants.dlopen?.RTLD_NOW;
    if (flags === undefined) process.dlopen(module, path);
    else process.dlopen(module, path, flags);
  } catch (error) {
    return `${path} did not load: ${error instanceof Error ? error.message : String(error)}`;
  }
  const addon = module.exports;
  if (!isAddon(addon)) return `${path} does not export seal and open`;
  return {
    detail: path,
    hmac512: addon.hmac512,
    cipher: {
      name: 'openssl-in-place',
      seal(key, iv, aad, data, tag) {
        checkSizes(key, iv);
        addon.seal(key, iv, aad, data, tag);
        return data;
      },
      open(key, iv, aad, data, tag) {
        checkSizes(key, iv);
        if (tag.length !== GCM_TAG_BYTES) return null;
        return addon.open(key, iv, aad, data, tag) ? data : null;
      },
    },
  };
}

const loaded = loadAddon();

/** The OpenSSL addon when it loaded in this thread, else null (frameCipherStatus says why). */
export const opensslFrameCipher: FrameCipher | null = loaded.cipher;

/** What this thread seals and opens frames with. */
export const frameCipher: FrameCipher = loaded.cipher ?? nodeFrameCipher;

/** Which implementation runs, and the addon's path or why it is not used. */
export function frameCipherStatus(): { name: FrameCipher['name']; detail: string } {
  return { name: frameCipher.name, detail: loaded.detail };
}

/**
 * AES-256-GCM over a few bytes (a data key, a header's tag), as gcmSeal gives it but through this
 * thread's frame cipher: a folder of small files seals several such per file, and the addon does
 * it without node:crypto's cipher object per call. `plaintext` is left as it was.
 */
export function gcmSealCopy(key: Buffer, iv: Buffer, plaintext: Uint8Array, aad: Buffer): GcmSealed {
  const tag = Buffer.alloc(GCM_TAG_BYTES);
  const data = Buffer.alloc(plaintext.length);
  data.set(plaintext);
  return { ciphertext: frameCipher.seal(key, iv, aad, data, tag), tag };
}

/** gcmOpen through this thread's frame cipher; `ciphertext` and `tag` are left as they were. */
export function gcmOpenCopy(key: Buffer, iv: Buffer, ciphertext: Uint8Array, tag: Uint8Array, aad: Buffer): Buffer | null {
  if (tag.length !== GCM_TAG_BYTES) return null;
  const data = Buffer.alloc(ciphertext.length);
  data.set(ciphertext);
  const opened = frameCipher.open(key, iv, aad, data, Buffer.from(tag));
  if (opened === null) data.fill(0);
  return opened;
}

const addonHmac512 = loaded.cipher ? loaded.hmac512 : undefined;

/** HMAC-SHA512 of `data` under `key`, in a buffer of its own (the addon's when it loaded). */
export function hmacSha512(key: Buffer, data: Buffer): Buffer {
  if (!addonHmac512) return createHmac('sha512', key).update(data).digest();
  const out = Buffer.alloc(64);
  addonHmac512(key, data, out);
  return out;
}

/** Whether hmacSha512 runs in the addon (its tests run both). */
export const hmacInAddon: boolean = addonHmac512 !== undefined;
