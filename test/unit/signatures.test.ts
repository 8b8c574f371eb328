import { createHash, createPrivateKey, createPublicKey, sign, verify, constants } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateKeyPairFor, privateKeyFromDer, publicKeyFromDer } from '../../electron/core/crypto/asymmetric-keys.js';
import { signMessage, signingAlgorithmsFor, verifySignature } from '../../electron/core/crypto/signatures.js';
import type { AsymmetricKeySpec } from '../../shared/key-specs.js';

const message = Buffer.from('the quarterly figures, signed');
const hashOf = (algorithm: string): string => `sha${algorithm.slice(-3)}`;

describe('signatures: every Huawei algorithm, RAW and DIGEST, checked against Node/OpenSSL', () => {
  for (const spec of ['RSA_2048', 'EC_P256', 'EC_P384'] as AsymmetricKeySpec[]) {
    it(`${spec}: a DIGEST signature verifies as a RAW one and the other way round`, async () => {
      const pair = await generateKeyPairFor(spec);
      const privateKey = privateKeyFromDer(pair.privateKey);
      const publicKey = publicKeyFromDer(pair.publicKey);
      for (const algorithm of signingAlgorithmsFor(spec)) {
        const hash = hashOf(algorithm);
        const digest = createHash(hash).update(message).digest();
        const pss = algorithm.includes('PSS');
        const nodeOptions = {
          key: publicKey,
          dsaEncoding: 'der' as const,
          ...(spec.startsWith('RSA') ? { padding: pss ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING } : {}),
          ...(pss ? { saltLength: constants.RSA_PSS_SALTLEN_AUTO } : {}),
        };
        const overDigest = signMessage(privateKey, spec, algorithm, 'DIGEST', digest);
        expect(verify(hash, message, nodeOptions, overDigest), `${algorithm} DIGEST by Node`).toBe(true);
        expect(verifySignature(publicKey, spec, algorithm, 'RAW', message, overDigest)).toBe(true);
        const overMessage = signMessage(privateKey, spec, algorithm, 'RAW', message);
        expect(verifySignature(publicKey, spec, algorithm, 'DIGEST', digest, overMessage), `${algorithm} RAW via DIGEST`).toBe(
          true,
        );
        const other = createHash(hash).update('another message').digest();
        expect(verifySignature(publicKey, spec, algorithm, 'DIGEST', other, overMessage)).toBe(false);
        const flipped = Buffer.from(overMessage);
        flipped[flipped.length - 1]! ^= 1;
        expect(verifySignature(publicKey, spec, algorithm, 'RAW', message, flipped)).toBe(false);
      }
    }, 30_000);
  }

  it('an EC signature from OpenSSL via Node verifies as DIGEST (P-384)', async () => {
    const pair = await generateKeyPairFor('EC_P384');
    const privateKey = createPrivateKey({ key: pair.privateKey, format: 'der', type: 'pkcs8' });
    const signature = sign('sha384', message, { key: privateKey, dsaEncoding: 'der' });
    const digest = createHash('sha384').update(message).digest();
    expect(verifySignature(createPublicKey(privateKey), 'EC_P384', 'ECDSA_SHA_384', 'DIGEST', digest, signature)).toBe(true);
  });

  it('refuses an algorithm the key cannot use and a digest of the wrong length', async () => {
    const pair = await generateKeyPairFor('EC_P256');
    const key = privateKeyFromDer(pair.privateKey);
    expect(() => signMessage(key, 'EC_P256', 'ECDSA_SHA_384', 'RAW', message)).toThrow(/does not sign with ECDSA_SHA_384/);
    expect(() => signMessage(key, 'EC_P256', 'RSASSA_PSS_SHA_256', 'RAW', message)).toThrow(/KMS|does not sign/);
    expect(() => signMessage(key, 'EC_P256', 'ECDSA_SHA_256', 'DIGEST', Buffer.alloc(20))).toThrow(/32 bytes/);
  });
});
