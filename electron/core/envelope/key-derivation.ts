import { hkdfSync, timingSafeEqual } from 'node:crypto';
import { COMMITMENT_BYTES, SUITE_ID } from './esdk-constants.js';

/**
 * Suite 0x0478's key schedule: PRK = HKDF-Extract(SHA-512, salt = message id, ikm = DEK);
 * the frame key expands with info = u16(suite id) || "DERIVEKEY", the commitment with "COMMITKEY".
 */
const DERIVE_INFO = Buffer.concat([Buffer.from([SUITE_ID >> 8, SUITE_ID & 0xff]), Buffer.from('DERIVEKEY', 'utf8')]);
const COMMIT_INFO = Buffer.from('COMMITKEY', 'utf8');

export interface MessageKeys {
  /** Encrypts the header tag and every frame. */
  dataKey: Buffer;
  /** Stored in the header; a decryptor must find the same before trusting anything else. */
  commitment: Buffer;
}

export function deriveMessageKeys(dek: Buffer, messageId: Buffer): MessageKeys {
  return {
    dataKey: Buffer.from(hkdfSync('sha512', dek, messageId, DERIVE_INFO, 32)),
    commitment: Buffer.from(hkdfSync('sha512', dek, messageId, COMMIT_INFO, COMMITMENT_BYTES)),
  };
}

export function commitmentMatches(expected: Buffer, stored: Buffer): boolean {
  return expected.length === stored.length && timingSafeEqual(expected, stored);
}
