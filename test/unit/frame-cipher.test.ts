import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { frameCipher, frameCipherStatus, nodeFrameCipher, opensslFrameCipher } from '../../electron/crypto/frame-cipher.js';
import { openFrameParts, scanFrames, sealFrames } from '../../electron/envelope/frame-codec.js';

/**
 * The OpenSSL addon seals and opens frames in place; node:crypto is the fallback. Both must make
 * the same bytes, each must open the other's, and neither may ever return unverified plaintext.
 */
const openssl = opensslFrameCipher;

describe('the frame cipher', () => {
  it('is the OpenSSL addon, built by `npm run build` (unless COFFER_AES_GCM=node asks for node:crypto)', () => {
    if (process.env.COFFER_AES_GCM === 'node') {
      expect(frameCipher).toBe(nodeFrameCipher);
      expect(frameCipherStatus()).toEqual({ name: 'node-crypto', detail: 'COFFER_AES_GCM=node' });
    } else {
      expect(frameCipherStatus().name, frameCipherStatus().detail).toBe('openssl-in-place');
      expect(frameCipherStatus().detail).toMatch(/coffer_aes_gcm\.node$/);
    }
  });
});

describe.skipIf(openssl === null)('the OpenSSL addon and node:crypto', () => {
  const addon = openssl!;
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const aad = Buffer.from('message id || AWSKMSEncryptionClient Frame || seq || length');

  it.each([0, 1, 15, 16, 17, 4096, 256 * 1024 + 3])('make the same ciphertext and tag for %i bytes', (size) => {
    const plaintext = randomBytes(size);
    const nodeTag = Buffer.alloc(16);
    const fromNode = Buffer.from(nodeFrameCipher.seal(key, iv, aad, Buffer.from(plaintext), nodeTag));
    const data = Buffer.from(plaintext);
    const addonTag = Buffer.alloc(16);
    const fromAddon = addon.seal(key, iv, aad, data, addonTag);
    expect(fromAddon.buffer).toBe(data.buffer); // in place: no new buffer
    expect(fromAddon.equals(fromNode)).toBe(true);
    expect(addonTag.equals(nodeTag)).toBe(true);
    // Each opens the other's.
    expect(addon.open(key, iv, aad, Buffer.from(fromNode), nodeTag)?.equals(plaintext)).toBe(true);
    expect(nodeFrameCipher.open(key, iv, aad, Buffer.from(fromAddon), addonTag)?.equals(plaintext)).toBe(true);
  });

  it('refuse a flipped ciphertext, tag or AAD bit and a wrong key alike', () => {
    const plaintext = randomBytes(1000);
    const tag = Buffer.alloc(16);
    const sealed = Buffer.from(addon.seal(key, iv, aad, Buffer.from(plaintext), tag));
    const flip = (bytes: Buffer, at: number): Buffer => {
      const copy = Buffer.from(bytes);
      copy[at]! ^= 0x01;
      return copy;
    };
    for (const cipher of [addon, nodeFrameCipher]) {
      expect(cipher.open(key, iv, aad, flip(sealed, 999), tag), cipher.name).toBeNull();
      expect(cipher.open(key, iv, aad, Buffer.from(sealed), flip(tag, 15)), cipher.name).toBeNull();
      expect(cipher.open(key, iv, flip(aad, 0), Buffer.from(sealed), tag), cipher.name).toBeNull();
      expect(cipher.open(randomBytes(32), iv, aad, Buffer.from(sealed), tag), cipher.name).toBeNull();
      expect(cipher.open(key, flip(iv, 11), aad, Buffer.from(sealed), tag), cipher.name).toBeNull();
    }
  });

  it('refuse keys, IVs and tags of other sizes before running the cipher', () => {
    const data = randomBytes(64);
    expect(() => addon.seal(randomBytes(16), iv, aad, data, Buffer.alloc(16))).toThrow(RangeError);
    expect(() => addon.open(key, randomBytes(16), aad, data, Buffer.alloc(16))).toThrow(RangeError);
    expect(addon.open(key, iv, aad, data, Buffer.alloc(12))).toBeNull();
    // Below the TypeScript types, the addon checks its arguments itself.
    const raw = addon.seal as unknown as (...args: unknown[]) => unknown;
    expect(() => raw(key, iv, aad, 'not a buffer', Buffer.alloc(16))).toThrow(/expected \(key: 32 bytes/);
  });

  it('seal and open the same ESDK frames, each opening the other’s', () => {
    const messageId = randomBytes(32);
    const frameLength = 4096;
    const plaintext = randomBytes(frameLength * 3 + 100);
    const sealedWith = (cipher: typeof addon): Buffer =>
      Buffer.concat(sealFrames(key, messageId, frameLength, 1, Buffer.from(plaintext), true, cipher));
    const byAddon = sealedWith(addon);
    expect(byAddon.equals(sealedWith(nodeFrameCipher))).toBe(true);
    for (const cipher of [addon, nodeFrameCipher]) {
      const { frames } = scanFrames(byAddon, frameLength);
      const opened = openFrameParts(key, messageId, frameLength, 1, Buffer.from(byAddon), frames, cipher);
      expect(Buffer.concat(opened).equals(plaintext), cipher.name).toBe(true);
    }
  });
});
