import { hkdfSync, randomBytes } from 'node:crypto';
import { gcmOpen, gcmSeal, GCM_IV_BYTES, GCM_TAG_BYTES } from '../crypto/aes-gcm.js';

/**
 * A sealed box is IV || ciphertext || tag, Base64 in the vault file.
 * The AAD binds a box to where it belongs (vault, key id, version), so a box
 * moved to another slot fails to open instead of decrypting as the wrong key.
 */
export function sealBox(key: Buffer, plaintext: Buffer, aad: string): string {
  const iv = randomBytes(GCM_IV_BYTES);
  const { ciphertext, tag } = gcmSeal(key, iv, plaintext, Buffer.from(aad, 'utf8'));
  return Buffer.concat([iv, ciphertext, tag]).toString('base64');
}

/** Returns the plaintext, or null when the box does not authenticate under this key and AAD. */
export function openBox(key: Buffer, box: string, aad: string): Buffer | null {
  const raw = Buffer.from(box, 'base64');
  if (raw.length < GCM_IV_BYTES + GCM_TAG_BYTES) return null;
  return gcmOpen(
    key,
    raw.subarray(0, GCM_IV_BYTES),
    raw.subarray(GCM_IV_BYTES, raw.length - GCM_TAG_BYTES),
    raw.subarray(raw.length - GCM_TAG_BYTES),
    Buffer.from(aad, 'utf8'),
  );
}

/** One secret, many purposes: each use gets its own HKDF-SHA256 subkey. */
export function deriveSubkey(secret: Buffer, salt: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.from(salt, 'utf8'), Buffer.from(purpose, 'utf8'), 32));
}
