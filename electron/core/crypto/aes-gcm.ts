import { createCipheriv, createDecipheriv } from 'node:crypto';

/**
 * The one AES-256-GCM primitive every Coffer format goes through: 32-byte keys, 12-byte IVs and
 * 16-byte tags only. Other sizes are refused outright rather than supported half-way: short IVs
 * and tags weaken GCM, long IVs go through GHASH and invite counter-wrap bugs. File frames go
 * through frame-cipher.ts, which runs these same functions or, faster, OpenSSL in place.
 */
export const AES_KEY_BYTES = 32;
export const GCM_IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;

export interface GcmSealed {
  ciphertext: Buffer;
  tag: Buffer;
}

export function checkSizes(key: Uint8Array, iv: Uint8Array): void {
  if (key.length !== AES_KEY_BYTES) throw new RangeError(`AES-256-GCM needs a ${AES_KEY_BYTES}-byte key, not ${key.length}`);
  if (iv.length !== GCM_IV_BYTES) throw new RangeError(`AES-256-GCM here takes a ${GCM_IV_BYTES}-byte IV, not ${iv.length}`);
}

export function gcmSeal(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): GcmSealed {
  checkSizes(key, iv);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = cipher.update(plaintext);
  // GCM is a stream mode: final() has nothing left to emit (not copying onto it saves a pass).
  if (cipher.final().length !== 0) throw new Error('AES-GCM emitted bytes at final()');
  return { ciphertext, tag: cipher.getAuthTag() };
}

/** The plaintext, or null when the ciphertext, tag, AAD or key do not belong together. */
export function gcmOpen(
  key: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
  aad: Uint8Array,
): Buffer | null {
  checkSizes(key, iv);
  if (tag.length !== GCM_TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const plaintext = decipher.update(ciphertext);
    if (decipher.final().length !== 0) throw new Error('AES-GCM emitted bytes at final()');
    return plaintext;
  } catch {
    return null;
  }
}
