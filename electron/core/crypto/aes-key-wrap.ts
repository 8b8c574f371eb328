import { createCipheriv, createDecipheriv } from 'node:crypto';

/**
 * AES key wrap with padding (RFC 5649) under a 256-bit key, as Huawei's import of asymmetric
 * private keys and `openssl enc -id-aes256-wrap-pad` use it. The alternative initial value
 * A65959A6 is the RFC's; OpenSSL checks it and the length on unwrapping.
 */
const ALGORITHM = 'id-aes256-wrap-pad';
const RFC5649_IV = Buffer.from('a65959a6', 'hex');

export function aesKeyWrapPad(kek: Buffer, plaintext: Buffer): Buffer {
  const cipher = createCipheriv(ALGORITHM, kek, RFC5649_IV);
  return Buffer.concat([cipher.update(plaintext), cipher.final()]);
}

/** The unwrapped bytes, or null when the wrapped data does not authenticate under this key. */
export function aesKeyUnwrapPad(kek: Buffer, wrapped: Buffer): Buffer | null {
  if (kek.length !== 32 || wrapped.length < 16 || wrapped.length % 8 !== 0) return null;
  try {
    const decipher = createDecipheriv(ALGORITHM, kek, RFC5649_IV);
    return Buffer.concat([decipher.update(wrapped), decipher.final()]);
  } catch {
    return null;
  }
}
