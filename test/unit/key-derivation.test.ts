import { hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SIGNED_SUITE, UNSIGNED_SUITE } from '../../electron/core/envelope/algorithm-suites.js';
import { deriveMessageKeys } from '../../electron/core/envelope/key-derivation.js';

describe("a v2 message's key schedule", () => {
  it('is HKDF-SHA512 exactly as the ESDK specifies it, for both committing suites and many keys', () => {
    for (const suite of [UNSIGNED_SUITE, SIGNED_SUITE]) {
      const info = Buffer.concat([Buffer.from([suite.id >> 8, suite.id & 0xff]), Buffer.from('DERIVEKEY')]);
      for (let i = 0; i < 200; i += 1) {
        const dek = randomBytes(32);
        const messageId = randomBytes(32);
        const keys = deriveMessageKeys(suite, dek, messageId);
        expect(keys.dataKey).toEqual(Buffer.from(hkdfSync('sha512', dek, messageId, info, 32)));
        expect(keys.commitment).toEqual(Buffer.from(hkdfSync('sha512', dek, messageId, 'COMMITKEY', 32)));
      }
    }
  });

  it('gives keys in buffers of their own, so that wiping one wipes nothing else and sending one copies nothing else', () => {
    const keys = deriveMessageKeys(UNSIGNED_SUITE, randomBytes(32), randomBytes(32));
    for (const key of [keys.dataKey, keys.commitment]) {
      expect(key.byteOffset).toBe(0);
      expect(key.buffer.byteLength).toBe(32);
    }
  });
});
