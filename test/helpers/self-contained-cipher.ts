import { vi } from 'vitest';
import type { FrameCipher } from '../../electron/core/crypto/frame-cipher.js';

/**
 * The frame cipher of the addon's self-contained build (its own OpenSSL linked in, for Electron),
 * loaded as COFFER_AES_GCM=static asks: a fresh copy of frame-cipher.ts with that setting. Null
 * when that build is missing (it is made on Linux, where libssl-dev's libcrypto.a is installed).
 */
export async function selfContainedFrameCipher(): Promise<{ cipher: FrameCipher | null; detail: string }> {
  vi.stubEnv('COFFER_AES_GCM', 'static');
  vi.resetModules();
  try {
    const module = await import('../../electron/core/crypto/frame-cipher.js');
    return { cipher: module.opensslFrameCipher, detail: module.frameCipherStatus().detail };
  } finally {
    vi.unstubAllEnvs();
    vi.resetModules();
  }
}
