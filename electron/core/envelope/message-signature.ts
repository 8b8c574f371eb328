import { createPublicKey, ECDH, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { CofferError } from '../../../shared/errors.js';
import type { AlgorithmSuite, SuiteSignature } from './algorithm-suites.js';
import { PUBLIC_KEY_CONTEXT_KEY } from './esdk-constants.js';

/**
 * Signed suites (0x0578; ESDK 1.x's 0x0214, 0x0346, 0x0378): the writer makes an ephemeral ECDSA
 * key pair, puts the public key in the encryption context under "aws-crypto-public-key" (the
 * compressed point, SEC 1 section 2.3.3, in Base64), and ends the message with a footer,
 * u16 length || DER ECDSA-Sig-Value, signing every byte from the header's first to the body's last.
 */

/** The longest DER ECDSA signature on P-384 (two 49-byte integers in a SEQUENCE) is 104 bytes. */
export const MAX_SIGNATURE_BYTES = 104;
export const MIN_SIGNATURE_BYTES = 8;

export interface SigningKey {
  privateKey: KeyObject;
  /** The compressed public point in Base64: the "aws-crypto-public-key" context value. */
  publicKeyBase64: string;
}

function fromBase64Url(text: string): Buffer {
  return Buffer.from(text, 'base64url');
}

/** A fresh key pair for one message. */
export function ephemeralSigningKey(signature: SuiteSignature): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: signature.curve });
  const jwk = publicKey.export({ format: 'jwk' });
  const x = fromBase64Url(jwk.x!);
  const y = fromBase64Url(jwk.y!);
  const compressed = Buffer.concat([Buffer.from([(y[y.length - 1]! & 1) === 1 ? 0x03 : 0x02]), x]);
  return { privateKey, publicKeyBase64: compressed.toString('base64') };
}

function badKey(suite: AlgorithmSuite, why: string): CofferError {
  return new CofferError(
    'COFFER.2052',
    `The file uses the signed suite ${suite.hex} but ${why}: its signature cannot be checked, so it is not opened.`,
  );
}

/** The public key a signed message's context carries, checked to be a point of the suite's curve. */
export function verificationKey(suite: AlgorithmSuite, context: Readonly<Record<string, string>>): KeyObject {
  const signature = suite.signature;
  if (!signature) throw new RangeError(`suite ${suite.hex} is not signed`);
  const text = context[PUBLIC_KEY_CONTEXT_KEY];
  if (text === undefined) throw badKey(suite, `its encryption context has no "${PUBLIC_KEY_CONTEXT_KEY}" entry`);
  const compressed = Buffer.from(text, 'base64');
  if (
    compressed.length !== signature.coordinateBytes + 1 ||
    compressed.toString('base64') !== text ||
    (compressed[0] !== 2 && compressed[0] !== 3)
  ) {
    throw badKey(suite, `its "${PUBLIC_KEY_CONTEXT_KEY}" is not a compressed ${signature.jwkCurve} point in Base64`);
  }
  try {
    const point = ECDH.convertKey(compressed, signature.curve, undefined, undefined, 'uncompressed') as Buffer;
    const n = signature.coordinateBytes;
    return createPublicKey({
      format: 'jwk',
      key: {
        kty: 'EC',
        crv: signature.jwkCurve,
        x: point.subarray(1, 1 + n).toString('base64url'),
        y: point.subarray(1 + n).toString('base64url'),
      },
    });
  } catch {
    throw badKey(suite, `its "${PUBLIC_KEY_CONTEXT_KEY}" is not a point of ${signature.jwkCurve}`);
  }
}

/** The footer: u16 signature length || signature. */
export function signatureFooter(signature: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(signature.length);
  return Buffer.concat([length, signature]);
}

/**
 * The signature in a footer that must fill `bytes` exactly; null when it does not (a footer cut
 * short, bytes appended, or none at all).
 */
export function parseFooter(bytes: Buffer): Buffer | null {
  if (bytes.length < 2) return null;
  const length = bytes.readUInt16BE(0);
  if (length < MIN_SIGNATURE_BYTES || length > MAX_SIGNATURE_BYTES || bytes.length !== 2 + length) return null;
  return bytes.subarray(2);
}
