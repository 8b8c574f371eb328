import { constants, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';

/**
 * RSA-OAEP as the ESDK's raw RSA keyring and Huawei's RSAES_OAEP_SHA_256 use it: the OAEP hash
 * and MGF1 hash are the same (Node sets MGF1 to the OAEP hash), with an empty label.
 */
export const OAEP_HASHES = ['sha1', 'sha256', 'sha384', 'sha512'] as const;
export type OaepHash = (typeof OAEP_HASHES)[number];

export function oaepEncrypt(publicKey: KeyObject, plaintext: Buffer, hash: OaepHash = 'sha256'): Buffer {
  return publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, plaintext);
}

export function oaepDecrypt(privateKey: KeyObject, ciphertext: Buffer, hash: OaepHash = 'sha256'): Buffer | null {
  try {
    return privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, ciphertext);
  } catch {
    return null;
  }
}

/**
 * The plaintext of an OAEP ciphertext whose hash is not recorded (a raw RSA keyring's EDK names
 * no padding): each hash is tried in turn. OAEP's check fails for a wrong hash except with
 * negligible probability, so the first that opens is the one used.
 */
export function oaepDecryptAnyHash(privateKey: KeyObject, ciphertext: Buffer): Buffer | null {
  for (const hash of OAEP_HASHES) {
    const plaintext = oaepDecrypt(privateKey, ciphertext, hash);
    if (plaintext) return plaintext;
  }
  return null;
}

/** The largest plaintext OAEP takes under a modulus of `modulusBytes` with this hash. */
export function oaepMaxPlaintext(modulusBytes: number, hash: OaepHash = 'sha256'): number {
  const hashBytes = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 }[hash];
  return modulusBytes - 2 * hashBytes - 2;
}
