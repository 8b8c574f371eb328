import { GCM_TAG_BYTES } from './aes-gcm.js';
import { gcmOpenCopy, gcmSealCopy } from './frame-cipher.js';

/**
 * An AES-256-GCM key that may live elsewhere (inside a PKCS#11 token): what sealing a data key or
 * a small ciphertext needs, without the key's bytes. `sealed` is ciphertext || 16-byte tag.
 */
export interface GcmKey {
  seal(iv: Buffer, plaintext: Buffer, aad: Buffer): Buffer;
  /** The plaintext, or null when the tag does not verify. */
  open(iv: Buffer, sealed: Buffer, aad: Buffer): Buffer | null;
}

/** Key bytes this process holds, as a GcmKey. */
export function materialGcmKey(material: Buffer): GcmKey {
  return {
    seal(iv, plaintext, aad) {
      const { ciphertext, tag } = gcmSealCopy(material, iv, plaintext, aad);
      return Buffer.concat([ciphertext, tag]);
    },
    open(iv, sealed, aad) {
      if (sealed.length < GCM_TAG_BYTES) return null;
      return gcmOpenCopy(
        material,
        iv,
        sealed.subarray(0, sealed.length - GCM_TAG_BYTES),
        sealed.subarray(sealed.length - GCM_TAG_BYTES),
        aad,
      );
    },
  };
}
