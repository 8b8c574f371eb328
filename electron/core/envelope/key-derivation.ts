import { hkdfSync, timingSafeEqual } from 'node:crypto';
import type { AlgorithmSuite } from './algorithm-suites.js';
import { COMMITMENT_BYTES } from './esdk-constants.js';

/**
 * Each suite's key schedule (framework/algorithm-suites.md):
 * - v2 (0x0478, 0x0578): PRK = HKDF-Extract(SHA-512, salt = message id, ikm = DEK); the frame key
 *   expands with info = u16(suite id) || "DERIVEKEY", the commitment with "COMMITKEY".
 * - v1 with HKDF: HKDF(SHA-256 or SHA-384, no salt, ikm = DEK, info = u16(suite id) || message id).
 * - v1 without: the DEK itself.
 */
const COMMIT_INFO = Buffer.from('COMMITKEY', 'utf8');

export interface MessageKeys {
  /** Encrypts the header tag and every frame. */
  dataKey: Buffer;
  /** Stored in a v2 header; a decryptor must find the same before trusting anything else. Empty in v1. */
  commitment: Buffer;
}

function suiteIdBytes(suite: AlgorithmSuite): Buffer {
  return Buffer.from([suite.id >> 8, suite.id & 0xff]);
}

export function deriveMessageKeys(suite: AlgorithmSuite, dek: Buffer, messageId: Buffer): MessageKeys {
  if (dek.length !== suite.keyBytes) {
    throw new RangeError(`suite ${suite.hex} takes a ${suite.keyBytes}-byte data key, not ${dek.length}`);
  }
  switch (suite.kdf) {
    case 'hkdf-sha512-commit': {
      const info = Buffer.concat([suiteIdBytes(suite), Buffer.from('DERIVEKEY', 'utf8')]);
      return {
        dataKey: Buffer.from(hkdfSync('sha512', dek, messageId, info, suite.keyBytes)),
        commitment: Buffer.from(hkdfSync('sha512', dek, messageId, COMMIT_INFO, COMMITMENT_BYTES)),
      };
    }
    case 'hkdf-sha256':
    case 'hkdf-sha384': {
      // An empty salt is HKDF's "no salt" (HashLen zero bytes: HMAC pads its key with zeros).
      const hash = suite.kdf === 'hkdf-sha256' ? 'sha256' : 'sha384';
      const info = Buffer.concat([suiteIdBytes(suite), messageId]);
      return { dataKey: Buffer.from(hkdfSync(hash, dek, Buffer.alloc(0), info, suite.keyBytes)), commitment: Buffer.alloc(0) };
    }
    case 'identity':
      return { dataKey: Buffer.from(dek), commitment: Buffer.alloc(0) };
  }
}

export function commitmentMatches(expected: Buffer, stored: Buffer): boolean {
  return expected.length === stored.length && timingSafeEqual(expected, stored);
}
