import { createDecipheriv } from 'node:crypto';
import { GCM_IV_BYTES, GCM_TAG_BYTES } from './aes-gcm.js';
import type { FrameCipher } from './frame-cipher.js';

/**
 * AES-128-GCM and AES-192-GCM, for reading ESDK 1.x files (suites 0x0014..0x0346) only: Coffer
 * never seals with them, so this module has no seal. Everything else goes through aes-gcm.ts's
 * AES-256-GCM.
 */
const CIPHERS: Record<number, 'aes-128-gcm' | 'aes-192-gcm'> = { 16: 'aes-128-gcm', 24: 'aes-192-gcm' };

export function legacyGcmOpen(
  key: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
  aad: Uint8Array,
): Buffer | null {
  const name = CIPHERS[key.length];
  if (!name) throw new RangeError(`legacy AES-GCM takes a 16- or 24-byte key, not ${key.length}`);
  if (iv.length !== GCM_IV_BYTES || tag.length !== GCM_TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv(name, key, iv, { authTagLength: GCM_TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const plaintext = decipher.update(ciphertext);
    decipher.final();
    return plaintext;
  } catch {
    return null;
  }
}

export const legacyFrameCipher: FrameCipher = {
  name: 'node-crypto',
  seal() {
    throw new Error('Coffer never writes AES-128 or AES-192 frames');
  },
  open: (key, iv, aad, data, tag) => legacyGcmOpen(key, iv, data, tag, aad),
};
