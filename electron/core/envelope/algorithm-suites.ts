import { CofferError } from '../../../shared/errors.js';

/**
 * The AWS Encryption SDK's algorithm suites (framework/algorithm-suites.md): every one Coffer
 * reads. Message format v2 has the two committing suites; format v1 (ESDK 1.x) the nine others,
 * which Coffer reads only when asked (--allow-legacy-format) and never writes. All use GCM with
 * 12-byte IVs and 16-byte tags.
 */
export type SuiteKdf = 'identity' | 'hkdf-sha256' | 'hkdf-sha384' | 'hkdf-sha512-commit';

export interface SuiteSignature {
  /** Node's curve name, and the JWK's. */
  curve: 'prime256v1' | 'secp384r1';
  jwkCurve: 'P-256' | 'P-384';
  hash: 'sha256' | 'sha384';
  /** Bytes of one coordinate: the compressed point is 1 + this. */
  coordinateBytes: 32 | 48;
}

export interface AlgorithmSuite {
  id: number;
  /** "0x0578", as the spec and inspect-file write it. */
  hex: string;
  messageVersion: 1 | 2;
  keyBytes: 16 | 24 | 32;
  kdf: SuiteKdf;
  signature: SuiteSignature | null;
  /** A short human name: "AES-256-GCM, HKDF-SHA512, key commitment, ECDSA P-384". */
  description: string;
}

const P256: SuiteSignature = { curve: 'prime256v1', jwkCurve: 'P-256', hash: 'sha256', coordinateBytes: 32 };
const P384: SuiteSignature = { curve: 'secp384r1', jwkCurve: 'P-384', hash: 'sha384', coordinateBytes: 48 };

function suite(
  id: number,
  messageVersion: 1 | 2,
  keyBytes: 16 | 24 | 32,
  kdf: SuiteKdf,
  signature: SuiteSignature | null,
): AlgorithmSuite {
  const kdfName = {
    identity: 'no key derivation',
    'hkdf-sha256': 'HKDF-SHA256',
    'hkdf-sha384': 'HKDF-SHA384',
    'hkdf-sha512-commit': 'HKDF-SHA512, key commitment',
  }[kdf];
  const signed = signature ? `, ECDSA ${signature.jwkCurve}` : '';
  return {
    id,
    hex: suiteHex(id),
    messageVersion,
    keyBytes,
    kdf,
    signature,
    description: `AES-${keyBytes * 8}-GCM, ${kdfName}${signed}`,
  };
}

export const SUITES: ReadonlyMap<number, AlgorithmSuite> = new Map(
  [
    suite(0x0578, 2, 32, 'hkdf-sha512-commit', P384),
    suite(0x0478, 2, 32, 'hkdf-sha512-commit', null),
    suite(0x0378, 1, 32, 'hkdf-sha384', P384),
    suite(0x0346, 1, 24, 'hkdf-sha384', P384),
    suite(0x0214, 1, 16, 'hkdf-sha256', P256),
    suite(0x0178, 1, 32, 'hkdf-sha256', null),
    suite(0x0146, 1, 24, 'hkdf-sha256', null),
    suite(0x0114, 1, 16, 'hkdf-sha256', null),
    suite(0x0078, 1, 32, 'identity', null),
    suite(0x0046, 1, 24, 'identity', null),
    suite(0x0014, 1, 16, 'identity', null),
  ].map((s) => [s.id, s]),
);

/** The suites Coffer writes: the unsigned default and, on request, the signed one. */
export const UNSIGNED_SUITE = SUITES.get(0x0478)!;
export const SIGNED_SUITE = SUITES.get(0x0578)!;

export function suiteHex(id: number): string {
  return `0x${id.toString(16).padStart(4, '0')}`;
}

/** The suite a header names, or null when it is none the ESDK defines. */
export function suiteById(id: number): AlgorithmSuite | null {
  return SUITES.get(id) ?? null;
}

/**
 * The suite `encrypt-file --algorithm-suite` asks for: "0x0478" or "0x0578" (also without "0x"
 * or as a decimal number). Legacy suites are never written (ESDK's ForbidEncryptAllowDecrypt).
 */
export function writableSuite(text: string): AlgorithmSuite {
  const trimmed = text.trim().toLowerCase();
  const id = /^(0x)?[0-9a-f]{4}$/.test(trimmed) ? parseInt(trimmed.replace(/^0x/, ''), 16) : NaN;
  const found = Number.isNaN(id) ? null : suiteById(id);
  if (!found || found.messageVersion !== 2) {
    throw new CofferError(
      'COFFER.2057',
      `Coffer writes algorithm suite 0x0478 (unsigned, the default) or 0x0578 (signed with ECDSA P-384); "${text.slice(0, 20)}" is ${
        found ? `a legacy suite of message format v1, which Coffer reads but never writes` : 'not one of them'
      }.`,
    );
  }
  return found;
}

/** Bytes enough to tell an ESDK message by its start (a v1 header has its suite after the type byte). */
export const MESSAGE_START_BYTES = 4;

/**
 * Whether a file's first bytes start an ESDK message Coffer reads: format v2 with a v2 suite
 * (0x0478 or the signed 0x0578, whoever wrote it), or a legacy v1 message (type 0x80, a v1 suite).
 */
export function startsLikeMessage(head: Uint8Array): boolean {
  const suiteAt = (offset: number) => (head.length >= offset + 2 ? suiteById((head[offset]! << 8) | head[offset + 1]!) : null);
  if (head[0] === 0x02) return suiteAt(1)?.messageVersion === 2;
  if (head[0] === 0x01 && head[1] === 0x80) return suiteAt(2)?.messageVersion === 1;
  return false;
}
