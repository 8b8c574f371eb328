import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { gcmOpen, gcmSeal } from '../../electron/core/crypto/aes-gcm.js';
import { gcmOpenCopy, gcmSealCopy, hmacInAddon, hmacSha512 } from '../../electron/core/crypto/frame-cipher.js';
import { headerTag } from '../../electron/core/envelope/header-reader.js';
import { unwrapDataKey, wrapDataKeyAs } from '../../electron/core/keyrings/raw-aes-keyring.js';

/**
 * A small file costs a data key's wrap, a key derivation (three HMAC-SHA512s) and a header tag;
 * these run in the addon when it loaded. They must give exactly what node:crypto gives.
 */
describe('HMAC-SHA512 for the key schedule', () => {
  it('runs in the addon (unless COFFER_AES_GCM=node asks for node:crypto)', () => {
    expect(hmacInAddon).toBe(process.env.COFFER_AES_GCM !== 'node');
  });

  it("is RFC 4231's test case 2, and node:crypto's HMAC for empty and long keys and data", () => {
    const rfc = hmacSha512(Buffer.from('Jefe'), Buffer.from('what do ya want for nothing?'));
    expect(rfc.toString('hex')).toBe(
      '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
    );
    for (const [keyBytes, dataBytes] of [
      [0, 0],
      [32, 0],
      [0, 33],
      [32, 33],
      [200, 5000],
    ] as const) {
      const key = randomBytes(keyBytes);
      const data = randomBytes(dataBytes);
      expect(hmacSha512(key, data)).toEqual(createHmac('sha512', key).update(data).digest());
    }
  });

  it('gives each result a buffer of its own', () => {
    const a = hmacSha512(randomBytes(32), randomBytes(32));
    const b = hmacSha512(randomBytes(32), randomBytes(32));
    expect(a.buffer).not.toBe(b.buffer);
    expect(a.length).toBe(64);
  });

  it.runIf(process.platform === 'linux')("runs in the addon's self-contained build (Electron's) with the same result", () => {
    const module = new URL('../../dist/electron/core/crypto/frame-cipher.js', import.meta.url).href;
    const script = `const { hmacSha512, hmacInAddon, frameCipherStatus } = await import(${JSON.stringify(module)});
      console.log(JSON.stringify({ inAddon: hmacInAddon, detail: frameCipherStatus().detail,
        mac: hmacSha512(Buffer.from('Jefe'), Buffer.from('what do ya want for nothing?')).toString('hex') }));`;
    const run = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        env: { ...process.env, COFFER_AES_GCM: 'static' },
      }),
    ) as { inAddon: boolean; detail: string; mac: string };
    expect(run.detail).toMatch(/coffer_aes_gcm_static\.node$/);
    expect(run.inAddon).toBe(true);
    expect(run.mac).toBe(hmacSha512(Buffer.from('Jefe'), Buffer.from('what do ya want for nothing?')).toString('hex'));
  });
});

describe('AES-256-GCM over a few bytes, through the frame cipher', () => {
  it("seals as gcmSeal does, empty data included (a header's tag), and leaves the plaintext as it was", () => {
    for (const size of [0, 1, 32, 100]) {
      const key = randomBytes(32);
      const iv = randomBytes(12);
      const aad = randomBytes(size + 7);
      const plaintext = randomBytes(size);
      const before = Buffer.from(plaintext);
      const copy = gcmSealCopy(key, iv, plaintext, aad);
      expect(copy).toEqual(gcmSeal(key, iv, plaintext, aad));
      expect(plaintext).toEqual(before);
    }
  });

  it('opens what gcmSeal sealed, leaves the ciphertext as it was, and refuses any altered byte', () => {
    const key = randomBytes(32);
    const iv = randomBytes(12);
    const aad = Buffer.from('context');
    const plaintext = randomBytes(32);
    const { ciphertext, tag } = gcmSeal(key, iv, plaintext, aad);
    const before = Buffer.from(ciphertext);
    expect(gcmOpenCopy(key, iv, ciphertext, tag, aad)).toEqual(plaintext);
    expect(ciphertext).toEqual(before);
    const altered = Buffer.from(ciphertext);
    altered[5]! ^= 1;
    expect(gcmOpenCopy(key, iv, altered, tag, aad)).toBeNull();
    expect(gcmOpenCopy(key, iv, ciphertext, tag, Buffer.from('other'))).toBeNull();
    expect(gcmOpenCopy(key, iv, ciphertext, tag.subarray(0, 12), aad)).toBeNull();
    expect(gcmOpen(key, iv, ciphertext, tag, aad)).toEqual(plaintext);
  });

  it("makes a header's tag as the ESDK does: GCM with a zero IV over nothing, the header and the kept-out pairs as AAD", () => {
    const dataKey = randomBytes(32);
    const body = randomBytes(300);
    const authOnly = randomBytes(20);
    expect(headerTag(dataKey, body, authOnly)).toEqual(
      gcmSeal(dataKey, Buffer.alloc(12), Buffer.alloc(0), Buffer.concat([body, authOnly])).tag,
    );
  });
});

describe("a data key's wrap with an IV drawn beforehand", () => {
  const naming = { namespace: 'coffer', name: 'k' };

  it('carries that IV in its provider info and opens as any wrap does', () => {
    const material = randomBytes(32);
    const dek = randomBytes(32);
    const iv = randomBytes(12);
    const edk = wrapDataKeyAs(material, naming, dek, Buffer.from('ctx'), iv);
    expect(edk.providerInfo.subarray(-12)).toEqual(iv);
    expect(unwrapDataKey(material, edk, Buffer.from('ctx'))).toEqual(dek);
    // Wiping the drawn bytes afterwards (a worker wipes its group's draw) leaves the EDK whole.
    iv.fill(0);
    expect(unwrapDataKey(material, edk, Buffer.from('ctx'))).toEqual(dek);
  });

  it('refuses an IV of another length', () => {
    expect(() => wrapDataKeyAs(randomBytes(32), naming, randomBytes(32), Buffer.alloc(0), randomBytes(11))).toThrow(/12-byte IV/);
  });
});
