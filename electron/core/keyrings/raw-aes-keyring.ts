import { randomBytes } from 'node:crypto';
import { GCM_IV_BYTES, GCM_TAG_BYTES } from '../crypto/aes-gcm.js';
import { materialGcmKey, type GcmKey } from '../crypto/gcm-key.js';
import { COFFER_PROVIDER_ID } from '../envelope/esdk-constants.js';
import type { EncryptedDataKey } from '../envelope/message-header.js';

/**
 * How a CMK wraps a file's data key: exactly as the ESDK's raw AES keyring does, so that any
 * ESDK given the exported material (namespace "coffer", the key name below) opens the file.
 *   provider id   = "coffer"
 *   provider info = key name || u32(128) || u32(12) || IV (12)
 *   ciphertext    = AES-256-GCM(material, IV, DEK, AAD = serialized encryption context) || tag
 * Key names have one fixed width, "<key id>:v<8-digit version>", so that no key name is a
 * prefix of another (the JS keyring matches EDKs by prefix).
 */
const KEY_NAME = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):v(\d{8})$/;
export const KEY_NAME_BYTES = 36 + 2 + 8;
const TAG_BITS = GCM_TAG_BYTES * 8;

export interface CmkReference {
  keyId: string;
  version: number;
}

export function cofferKeyName(reference: CmkReference): string {
  return `${reference.keyId}:v${String(reference.version).padStart(8, '0')}`;
}

export function parseCofferKeyName(name: string): CmkReference | null {
  const match = KEY_NAME.exec(name);
  return match ? { keyId: match[1]!, version: Number(match[2]) } : null;
}

/** A raw AES keyring's names: the EDK's provider id and the start of its provider info. */
export interface RawAesNaming {
  namespace: string;
  name: string;
}

export function wrapDataKey(
  material: Buffer | GcmKey,
  reference: CmkReference,
  dek: Buffer,
  contextBytes: Buffer,
): EncryptedDataKey {
  return wrapDataKeyAs(material, { namespace: COFFER_PROVIDER_ID, name: cofferKeyName(reference) }, dek, contextBytes);
}

/**
 * The same wrap under any names: a key created with another tool's namespace and key name wraps
 * as that tool's raw AES keyring does, so the tool opens the file with the same key and names.
 */
export function wrapDataKeyAs(
  material: Buffer | GcmKey,
  naming: RawAesNaming,
  dek: Buffer,
  contextBytes: Buffer,
  /** A fresh random IV; drawn here when not given (a worker draws a group's IVs at once). */
  iv: Buffer = randomBytes(GCM_IV_BYTES),
): EncryptedDataKey {
  if (iv.length !== GCM_IV_BYTES) throw new RangeError(`a data key is wrapped with a ${GCM_IV_BYTES}-byte IV`);
  // A key inside a token seals the data key there: the same GCM, so the same EDK.
  const sealed = (Buffer.isBuffer(material) ? materialGcmKey(material) : material).seal(iv, dek, contextBytes);
  const lengths = Buffer.alloc(8);
  lengths.writeUInt32BE(TAG_BITS, 0);
  lengths.writeUInt32BE(GCM_IV_BYTES, 4);
  return {
    providerId: naming.namespace,
    providerInfo: Buffer.concat([Buffer.from(naming.name, 'utf8'), lengths, iv]),
    ciphertext: sealed,
  };
}

/**
 * An EDK of the size every wrapDataKey() result has (the key name has one width), with zero
 * bytes: what a header's length is computed from before any key is used.
 */
export function wrappedKeyPlaceholder(): EncryptedDataKey {
  return {
    providerId: COFFER_PROVIDER_ID,
    providerInfo: Buffer.alloc(KEY_NAME_BYTES + 8 + GCM_IV_BYTES),
    ciphertext: Buffer.alloc(32 + GCM_TAG_BYTES),
  };
}

/** The placeholder of a wrapDataKeyAs() result under these names (its size follows the names' lengths). */
export function namedKeyPlaceholder(naming: RawAesNaming): EncryptedDataKey {
  return {
    providerId: naming.namespace,
    providerInfo: Buffer.alloc(Buffer.byteLength(naming.name, 'utf8') + 8 + GCM_IV_BYTES),
    ciphertext: Buffer.alloc(32 + GCM_TAG_BYTES),
  };
}

/** Which CMK version an EDK names, or null when it is not one of Coffer's raw AES EDKs. */
export function edkReference(edk: EncryptedDataKey): CmkReference | null {
  if (edk.providerId !== COFFER_PROVIDER_ID || edk.providerInfo.length !== KEY_NAME_BYTES + 8 + GCM_IV_BYTES) return null;
  const info = edk.providerInfo;
  if (info.readUInt32BE(KEY_NAME_BYTES) !== TAG_BITS || info.readUInt32BE(KEY_NAME_BYTES + 4) !== GCM_IV_BYTES) return null;
  return parseCofferKeyName(info.subarray(0, KEY_NAME_BYTES).toString('latin1'));
}

/**
 * The key name of any raw AES keyring's EDK (another tool's included): provider info is
 * name || u32(128) || u32(12) || IV (12). Null when the EDK is not shaped so.
 */
export function rawAesKeyName(edk: EncryptedDataKey): string | null {
  const info = edk.providerInfo;
  const nameBytes = info.length - 8 - GCM_IV_BYTES;
  if (nameBytes < 1 || info.readUInt32BE(nameBytes) !== TAG_BITS || info.readUInt32BE(nameBytes + 4) !== GCM_IV_BYTES)
    return null;
  return info.subarray(0, nameBytes).toString('utf8');
}

/** The data key, or null when this material and context do not open the EDK. */
export function unwrapDataKey(material: Buffer | GcmKey, edk: EncryptedDataKey, contextBytes: Buffer): Buffer | null {
  if (edk.ciphertext.length <= GCM_TAG_BYTES || edk.providerInfo.length < 8 + GCM_IV_BYTES) return null;
  // The IV is the provider info's last 12 bytes, whatever the key name's length.
  const iv = edk.providerInfo.subarray(edk.providerInfo.length - GCM_IV_BYTES);
  return (Buffer.isBuffer(material) ? materialGcmKey(material) : material).open(iv, edk.ciphertext, contextBytes);
}
