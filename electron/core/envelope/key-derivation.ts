import { hkdfSync, timingSafeEqual } from 'node:crypto';
import { hmacSha512 } from '../crypto/frame-cipher.js';
import type { AlgorithmSuite } from './algorithm-suites.js';
import { COMMITMENT_BYTES } from './esdk-constants.js';

/**
 * Each suite's key schedule (framework/algorithm-suites.md):
 * - v2 (0x0478, 0x0578): PRK = HKDF-Extract(SHA-512, salt = message id, ikm = DEK); the frame key
 *   expands with info = u16(suite id) || "DERIVEKEY", the commitment with "COMMITKEY".
 * - v1 with HKDF: HKDF(SHA-256 or SHA-384, no salt, ikm = DEK, info = u16(suite id) || message id).
 * - v1 without: the DEK itself.
 */
const DERIVE_INFO = Buffer.from('DERIVEKEY', 'utf8');
const ONE = Buffer.from([1]);
const COMMIT_INFO_BLOCK = Buffer.concat([Buffer.from('COMMITKEY', 'utf8'), ONE]);

export interface MessageKeys {
  /** Encrypts the header tag and every frame. */
  dataKey: Buffer;
  /** Stored in a v2 header; a decryptor must find the same before trusting anything else. Empty in v1. */
  commitment: Buffer;
}

/** HKDF-Expand's first block, cut to `length` (<= 64) in a buffer of its own (never Node's shared pool). */
function firstBlock(prk: Buffer, infoAndCounter: Buffer, length: number): Buffer {
  const block = hmacSha512(prk, infoAndCounter);
  const out = Buffer.alloc(length);
  block.copy(out, 0, 0, length);
  block.fill(0);
  return out;
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
      // RFC 5869 by hand: both outputs expand one PRK, and each fits in one SHA-512 block
      // (T(1) = HMAC(PRK, info || 0x01)). Three HMACs instead of two whole HKDFs: a third of the
      // cost, which a folder of small files pays once per file (tested against hkdfSync); each
      // in the addon when it loaded.
      const prk = hmacSha512(messageId, dek);
      try {
        return {
          dataKey: firstBlock(prk, Buffer.concat([suiteIdBytes(suite), DERIVE_INFO, ONE]), suite.keyBytes),
          commitment: firstBlock(prk, COMMIT_INFO_BLOCK, COMMITMENT_BYTES),
        };
      } finally {
        prk.fill(0);
      }
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
