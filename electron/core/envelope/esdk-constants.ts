import { DEFAULT_SUITE_ID, MESSAGE_FORMAT_VERSION } from '../../../shared/file-format.js';

export { MAX_FRAME_LENGTH, MIN_FRAME_LENGTH } from '../../../shared/file-format.js';

/** The AWS Encryption SDK message format v2 with algorithm suite 0x0478, as Coffer writes it. */
export const MESSAGE_VERSION = MESSAGE_FORMAT_VERSION;
/** AES-256-GCM, HKDF-SHA512 with key commitment, no signature. */
export const SUITE_ID = DEFAULT_SUITE_ID;
export const MESSAGE_ID_BYTES = 32;
/** Message format v1 (ESDK 1.x, read only): a 16-byte message id, and a type byte after the version. */
export const LEGACY_MESSAGE_ID_BYTES = 16;
export const LEGACY_MESSAGE_TYPE = 0x80;
/** The encryption context entry that carries a signed message's public key (compressed point, Base64). */
export const PUBLIC_KEY_CONTEXT_KEY = 'aws-crypto-public-key';
/** Keys of this prefix are the SDK's own, never the user's. */
export const RESERVED_CONTEXT_PREFIX = 'aws-crypto-';
export const COMMITMENT_BYTES = 32;
export const CONTENT_TYPE_FRAMED = 0x02;
export const HEADER_TAG_BYTES = 16;
export const FINAL_FRAME_MARKER = 0xffffffff;
export const FRAME_AAD = Buffer.from('AWSKMSEncryptionClient Frame', 'utf8');
export const FINAL_FRAME_AAD = Buffer.from('AWSKMSEncryptionClient Final Frame', 'utf8');
/** Regular frame: seq (4) | IV (12) | ciphertext | tag (16). */
export const REGULAR_FRAME_OVERHEAD = 4 + 12 + 16;
/** Final frame: marker (4) | seq (4) | IV (12) | length (4) | ciphertext | tag (16). */
export const FINAL_FRAME_OVERHEAD = 4 + 4 + 12 + 4 + 16;
export const MAX_FRAMES = 0xffffffff;
/** Namespace (provider id) of the EDKs Coffer's CMKs make. */
export const COFFER_PROVIDER_ID = 'coffer';

/**
 * Where a framed body's frames lie, from the file size alone (unauthenticated until the final
 * frame is opened): regular frames are all F + 32 bytes, the final one length + 40.
 */
export function frameLayout(
  fileSize: number,
  headerLength: number,
  frameLength: number,
): { regularFrames: number; finalLength: number } | null {
  const body = fileSize - headerLength;
  const frameSize = frameLength + REGULAR_FRAME_OVERHEAD;
  const regularFrames = Math.max(0, Math.floor((body - FINAL_FRAME_OVERHEAD) / frameSize));
  const finalLength = body - FINAL_FRAME_OVERHEAD - regularFrames * frameSize;
  return body < FINAL_FRAME_OVERHEAD || finalLength < 0 || finalLength > frameLength ? null : { regularFrames, finalLength };
}
