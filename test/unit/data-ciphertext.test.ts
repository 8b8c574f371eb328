import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CofferError } from '../../shared/errors.js';
import {
  DataKind,
  HEADER_BYTES,
  openDataCiphertext,
  parseDataCiphertext,
  sealDataCiphertext,
} from '../../electron/core/kms/data-ciphertext.js';

const material = randomBytes(32);
const keyId = randomUUID();

const plaintexts = fc.uint8Array({ minLength: 1, maxLength: 4096 }).map((a) => Buffer.from(a));
const contexts = fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.string({ maxLength: 40 }), { maxKeys: 6 });

function seal(plaintext: Buffer, context: Record<string, string>, version = 3): Buffer {
  return sealDataCiphertext(DataKind.Data, keyId, version, material, plaintext, context);
}

function open(bytes: Buffer, context: Record<string, string>): Buffer {
  return openDataCiphertext(parseDataCiphertext(bytes, DataKind.Data), material, context);
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof CofferError) return error.code;
    throw error;
  }
  return undefined;
}

describe('the encrypt-data ciphertext', () => {
  it('round-trips any plaintext of 1..4096 bytes with any encryption context', () => {
    fc.assert(
      fc.property(plaintexts, contexts, (plaintext, context) => {
        const bytes = seal(plaintext, context);
        expect(bytes.length).toBe(HEADER_BYTES + plaintext.length + 16);
        const parsed = parseDataCiphertext(bytes, DataKind.Data);
        expect(parsed).toMatchObject({ keyId, keyVersion: 3, contextPairs: Object.keys(context).length });
        expect(open(bytes, context).equals(plaintext)).toBe(true);
        // The context is matched as a set of pairs: the order they are given in does not matter.
        expect(open(bytes, Object.fromEntries(Object.entries(context).reverse())).equals(plaintext)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects any single flipped bit, anywhere', () => {
    fc.assert(
      fc.property(plaintexts, contexts, fc.nat(), (plaintext, context, position) => {
        const bytes = seal(plaintext, context);
        const bit = position % (bytes.length * 8);
        bytes[bit >> 3]! ^= 1 << (bit & 7);
        expect(['KMS.2201', 'KMS.0208', 'KMS.0207']).toContain(codeOf(() => open(bytes, context)));
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects every flipped bit of one small ciphertext, exhaustively', () => {
    const bytes = seal(Buffer.from('4111 1111 1111 1111'), { card: 'visa' });
    for (let bit = 0; bit < bytes.length * 8; bit += 1) {
      const copy = Buffer.from(bytes);
      copy[bit >> 3]! ^= 1 << (bit & 7);
      expect(
        codeOf(() => open(copy, { card: 'visa' })),
        `bit ${bit}`,
      ).toBeDefined();
    }
  });

  it('rejects a ciphertext cut short or extended by any number of bytes', () => {
    fc.assert(
      fc.property(plaintexts, fc.integer({ min: 1, max: 64 }), fc.boolean(), (plaintext, n, cut) => {
        const bytes = seal(plaintext, {});
        const changed = cut ? bytes.subarray(0, Math.max(0, bytes.length - n)) : Buffer.concat([bytes, randomBytes(n)]);
        expect(codeOf(() => open(changed, {}))).toBe('KMS.2201');
      }),
      { numRuns: 300 },
    );
  });

  it('names a wrong, missing or extra context pair as a context mismatch', () => {
    const bytes = seal(Buffer.from('secret'), { tenant: 'acme', purpose: 'db' });
    expect(codeOf(() => open(bytes, { tenant: 'acme', purpose: 'DB' }))).toBe('KMS.0208');
    expect(codeOf(() => open(bytes, { tenant: 'acme' }))).toBe('KMS.0208');
    expect(codeOf(() => open(bytes, {}))).toBe('KMS.0208');
    expect(codeOf(() => open(bytes, { tenant: 'acme', purpose: 'db', extra: 'x' }))).toBe('KMS.0208');
    expect(open(bytes, { purpose: 'db', tenant: 'acme' }).toString()).toBe('secret');
  });

  it('refuses a data-key ciphertext where a data ciphertext is expected, and says which command fits', () => {
    const dataKey = sealDataCiphertext(DataKind.DataKey, keyId, 1, material, randomBytes(32), {});
    expect(() => parseDataCiphertext(dataKey, DataKind.Data)).toThrow(/decrypt-datakey/);
  });
});
