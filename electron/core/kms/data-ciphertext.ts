import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { CofferError } from '../../../shared/errors.js';
import { GCM_IV_BYTES, GCM_TAG_BYTES } from '../crypto/aes-gcm.js';
import { materialGcmKey, type GcmKey } from '../crypto/gcm-key.js';
import { serializeEncryptionContext, type EncryptionContext } from '../crypto/encryption-context.js';

/**
 * The self-describing ciphertext of encrypt-data and of data keys (docs/FORMAT.md):
 *
 *   0  1  format version (1)        22  2  encryption context pair count
 *   1  1  kind (1 data, 2 data key) 24  8  first 8 bytes of SHA-256(serialized context)
 *   2 16  key id (UUID bytes)       32 12  IV (random)
 *  18  4  key version (u32)         44  n  ciphertext, then the 16-byte GCM tag
 *
 * AES-256-GCM under HKDF-SHA256(CMK material, info "coffer/kms-data/1"), AAD = "coffer-kms/1" ||
 * bytes 0..44 || serialized context. The context count and digest let a wrong context be named
 * as such instead of as a damaged ciphertext; the tag still covers the context itself.
 */
export const DataKind = { Data: 1, DataKey: 2 } as const;
export type DataKind = (typeof DataKind)[keyof typeof DataKind];

const FORMAT_VERSION = 1;
export const HEADER_BYTES = 44;
const AAD_PREFIX = Buffer.from('coffer-kms/1', 'utf8');

export interface DataCiphertext {
  kind: DataKind;
  keyId: string;
  keyVersion: number;
  contextPairs: number;
  contextDigest: Buffer;
  header: Buffer;
  body: Buffer;
  tag: Buffer;
}

function dataKey(material: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), Buffer.from('coffer/kms-data/1', 'utf8'), 32));
}

/**
 * The GCM key a ciphertext is sealed under: for a vault key, derived from its material; a key
 * inside a token is used as it is (a token cannot run HKDF on a key it never lets out).
 */
function gcmKeyFor(key: Buffer | GcmKey): GcmKey {
  return Buffer.isBuffer(key) ? materialGcmKey(dataKey(key)) : key;
}

function contextDigest(serialized: Buffer): Buffer {
  return createHash('sha256').update(serialized).digest().subarray(0, 8);
}

function uuidBytes(keyId: string): Buffer {
  return Buffer.from(keyId.replace(/-/g, ''), 'hex');
}

function uuidText(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function sealDataCiphertext(
  kind: DataKind,
  keyId: string,
  keyVersion: number,
  material: Buffer | GcmKey,
  plaintext: Buffer,
  context: EncryptionContext,
): Buffer {
  const serialized = serializeEncryptionContext(context);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(FORMAT_VERSION, 0);
  header.writeUInt8(kind, 1);
  uuidBytes(keyId).copy(header, 2);
  header.writeUInt32BE(keyVersion, 18);
  header.writeUInt16BE(Object.keys(context).length, 22);
  contextDigest(serialized).copy(header, 24);
  randomBytes(GCM_IV_BYTES).copy(header, 32);
  const sealed = gcmKeyFor(material).seal(header.subarray(32, 44), plaintext, Buffer.concat([AAD_PREFIX, header, serialized]));
  return Buffer.concat([header, sealed]);
}

const KIND_NAMES: Record<DataKind, string> = { 1: 'encrypt-data', 2: 'a data key' };

/** Reads the header; everything about the bytes' shape is checked here, nothing about the key. */
export function parseDataCiphertext(bytes: Buffer, expected: DataKind): DataCiphertext {
  const invalid = (why: string): CofferError => new CofferError('KMS.2201', `The cipher_text is not valid: ${why}.`);
  if (bytes.length < HEADER_BYTES + GCM_TAG_BYTES) {
    throw invalid(`it is ${bytes.length} bytes, shorter than any Coffer ciphertext (${HEADER_BYTES + GCM_TAG_BYTES})`);
  }
  if (bytes[0] !== FORMAT_VERSION) throw invalid(`it does not start with a Coffer ciphertext header (format byte ${bytes[0]})`);
  const kind = bytes[1];
  if (kind !== DataKind.Data && kind !== DataKind.DataKey) throw invalid(`its kind byte ${kind} is unknown`);
  if (kind !== expected) {
    throw invalid(
      `it was made by ${KIND_NAMES[kind]}, so decrypt it with ${kind === DataKind.Data ? 'decrypt-data' : 'decrypt-datakey'}`,
    );
  }
  return {
    kind,
    keyId: uuidText(bytes.subarray(2, 18)),
    keyVersion: bytes.readUInt32BE(18),
    contextPairs: bytes.readUInt16BE(22),
    contextDigest: bytes.subarray(24, 32),
    header: bytes.subarray(0, HEADER_BYTES),
    body: bytes.subarray(HEADER_BYTES, bytes.length - GCM_TAG_BYTES),
    tag: bytes.subarray(bytes.length - GCM_TAG_BYTES),
  };
}

/** Opens a parsed ciphertext with its key version's material and the caller's context. */
export function openDataCiphertext(parsed: DataCiphertext, material: Buffer | GcmKey, context: EncryptionContext): Buffer {
  const serialized = serializeEncryptionContext(context);
  const given = Object.keys(context).length;
  if (given !== parsed.contextPairs || !contextDigest(serialized).equals(parsed.contextDigest)) {
    const expected =
      parsed.contextPairs === 0 ? 'no encryption context' : `an encryption context of ${parsed.contextPairs} pair(s)`;
    const got = given === 0 ? 'none was given' : `the ${given} pair(s) given differ`;
    throw new CofferError(
      'KMS.0208',
      `The encryption context does not match: this ciphertext was made with ${expected}, and ${got}. ` +
        'Give exactly the same pairs (names and values are case-sensitive).',
    );
  }
  const plaintext = gcmKeyFor(material).open(
    parsed.header.subarray(32, 44),
    Buffer.concat([parsed.body, parsed.tag]),
    Buffer.concat([AAD_PREFIX, parsed.header, serialized]),
  );
  if (!plaintext) {
    throw new CofferError(
      'KMS.2201',
      'The cipher_text does not authenticate: it was changed, cut short or extended after it was made. Nothing was decrypted.',
    );
  }
  return plaintext;
}
