import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gcmOpen, gcmSeal } from '../../electron/core/crypto/aes-gcm.js';
import { nodeFrameCipher, opensslFrameCipher, type FrameCipher } from '../../electron/core/crypto/frame-cipher.js';
import { selfContainedFrameCipher } from '../helpers/self-contained-cipher.js';

/**
 * Project Wycheproof's AES-GCM vectors (vendored in test/fixtures/vectors/wycheproof) through
 * Coffer's one AES-GCM wrapper. Vectors with Coffer's parameters (256-bit key, 96-bit IV,
 * 128-bit tag) must give exactly the stated result both ways; every other vector must be
 * refused, never opened.
 */
interface Vector {
  tcId: number;
  comment: string;
  key: string;
  iv: string;
  aad: string;
  msg: string;
  ct: string;
  tag: string;
  result: 'valid' | 'invalid' | 'acceptable';
}
interface Group {
  keySize: number;
  ivSize: number;
  tagSize: number;
  tests: Vector[];
}

const file = JSON.parse(readFileSync(new URL('../fixtures/vectors/wycheproof/aes_gcm_test.json', import.meta.url), 'utf8')) as {
  numberOfTests: number;
  testGroups: Group[];
};
const hex = (text: string): Buffer => Buffer.from(text, 'hex');
const ours = file.testGroups.filter((g) => g.keySize === 256 && g.ivSize === 96 && g.tagSize === 128).flatMap((g) => g.tests);
const others = file.testGroups
  .filter((g) => !(g.keySize === 256 && g.ivSize === 96 && g.tagSize === 128))
  .flatMap((g) => g.tests);

describe('Wycheproof AES-GCM vectors', () => {
  it('are all there', () => {
    expect(ours.length + others.length).toBe(file.numberOfTests);
    expect(ours.length).toBe(66);
  });

  it.each(ours.map((v) => [v.tcId, v.comment || v.result, v] as const))('tcId %i (%s)', (_id, _comment, v) => {
    const opened = gcmOpen(hex(v.key), hex(v.iv), hex(v.ct), hex(v.tag), hex(v.aad));
    if (v.result === 'valid') {
      expect(opened?.toString('hex')).toBe(v.msg);
      const sealed = gcmSeal(hex(v.key), hex(v.iv), hex(v.msg), hex(v.aad));
      expect(sealed.ciphertext.toString('hex')).toBe(v.ct);
      expect(sealed.tag.toString('hex')).toBe(v.tag);
    } else {
      expect(opened).toBeNull();
    }
  });

  it('every vector with another key, IV or tag size is refused, not opened', () => {
    let refused = 0;
    for (const v of others) {
      let opened: Buffer | null = null;
      try {
        opened = gcmOpen(hex(v.key), hex(v.iv), hex(v.ct), hex(v.tag), hex(v.aad));
      } catch (error) {
        expect(error).toBeInstanceOf(RangeError);
      }
      expect(opened, `tcId ${v.tcId}`).toBeNull();
      refused += 1;
    }
    expect(refused).toBe(250);
  });
});

/** The file frames' ciphers, in the caller's buffer: each must give every vector's exact result. */
const frameCiphers: [string, FrameCipher | null][] = [
  ['node-crypto', nodeFrameCipher],
  ['openssl-in-place', opensslFrameCipher],
  ['openssl-in-place (self-contained build)', (await selfContainedFrameCipher()).cipher],
];

describe.each(frameCiphers)('Wycheproof AES-GCM vectors through the %s frame cipher', (_name, cipher) => {
  it.skipIf(cipher === null).each(ours.map((v) => [v.tcId, v.comment || v.result, v] as const))(
    'tcId %i (%s)',
    (_id, _comment, v) => {
      const frame = cipher!;
      const opened = frame.open(hex(v.key), hex(v.iv), hex(v.aad), hex(v.ct), hex(v.tag));
      if (v.result !== 'valid') {
        expect(opened).toBeNull();
        return;
      }
      expect(opened?.toString('hex')).toBe(v.msg);
      const tag = Buffer.alloc(16);
      expect(frame.seal(hex(v.key), hex(v.iv), hex(v.aad), hex(v.msg), tag).toString('hex')).toBe(v.ct);
      expect(tag.toString('hex')).toBe(v.tag);
    },
  );

  it.skipIf(cipher === null)('refuses every vector with another key, IV or tag size', () => {
    for (const v of others) {
      let opened: Buffer | null = null;
      try {
        opened = cipher!.open(hex(v.key), hex(v.iv), hex(v.aad), hex(v.ct), hex(v.tag));
      } catch (error) {
        expect(error).toBeInstanceOf(RangeError);
      }
      expect(opened, `tcId ${v.tcId}`).toBeNull();
    }
  });
});
