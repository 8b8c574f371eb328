import { createHash, createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { CofferError } from '../../../shared/errors.js';
import type { AsymmetricKeySpec } from '../../../shared/key-specs.js';

/**
 * The key pairs of asymmetric CMKs: generated, recognised and fingerprinted here. Private keys
 * travel as PKCS#8 DER (what the vault seals), public keys as SubjectPublicKeyInfo DER.
 */
const CURVES: Record<'EC_P256' | 'EC_P384', string> = { EC_P256: 'P-256', EC_P384: 'P-384' };
const NODE_CURVE_NAMES: Record<string, 'EC_P256' | 'EC_P384'> = { prime256v1: 'EC_P256', secp384r1: 'EC_P384' };

export interface KeyPairDer {
  privateKey: Buffer;
  publicKey: Buffer;
}

export async function generateKeyPairFor(spec: AsymmetricKeySpec): Promise<KeyPairDer> {
  const encoding = {
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
  } as const;
  const done =
    (resolve: (pair: KeyPairDer) => void, reject: (error: Error) => void) =>
    (error: Error | null, publicKey: Buffer, privateKey: Buffer): void => {
      if (error) reject(error);
      else resolve({ publicKey, privateKey });
    };
  return new Promise((resolve, reject) => {
    if (spec === 'EC_P256' || spec === 'EC_P384') {
      generateKeyPair('ec', { namedCurve: CURVES[spec], ...encoding }, done(resolve, reject));
    } else {
      generateKeyPair(
        'rsa',
        { modulusLength: Number(spec.slice('RSA_'.length)), publicExponent: 0x10001, ...encoding },
        done(resolve, reject),
      );
    }
  });
}

/** The key spec a key object is, or null when Coffer has no such spec (RSA-1024, another curve, Ed25519). */
export function specOfKey(key: KeyObject): AsymmetricKeySpec | null {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa' && details?.modulusLength !== undefined) {
    const spec = `RSA_${details.modulusLength}`;
    return spec === 'RSA_2048' || spec === 'RSA_3072' || spec === 'RSA_4096' ? spec : null;
  }
  if (key.asymmetricKeyType === 'ec' && details?.namedCurve !== undefined) {
    return NODE_CURVE_NAMES[details.namedCurve] ?? null;
  }
  return null;
}

export function privateKeyFromDer(der: Buffer): KeyObject {
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

export function publicKeyFromDer(der: Buffer): KeyObject {
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
}

export function publicKeyDerOf(privateKeyDer: Buffer): Buffer {
  return createPublicKey(privateKeyFromDer(privateKeyDer)).export({ type: 'spki', format: 'der' });
}

/** PEM of a SubjectPublicKeyInfo, as Huawei's get-publickey answers (and openssl reads). */
export function publicKeyPem(publicKeyDer: Buffer): string {
  return publicKeyFromDer(publicKeyDer).export({ type: 'spki', format: 'pem' }).toString();
}

/** A public key's fingerprint, as ssh shows one: SHA-256 of the SubjectPublicKeyInfo DER, Base64 without padding. */
export function publicKeyFingerprint(publicKeyDer: Buffer): string {
  return `SHA256:${createHash('sha256').update(publicKeyDer).digest('base64').replace(/=+$/, '')}`;
}

/** Size in bytes of an RSA key's modulus: every OAEP ciphertext under it has exactly this length. */
export function rsaModulusBytes(key: KeyObject): number {
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (key.asymmetricKeyType !== 'rsa' || bits === undefined) {
    throw new CofferError('KMS.0308', 'This operation needs an RSA key.');
  }
  return Math.ceil(bits / 8);
}
