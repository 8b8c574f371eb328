import { UNSIGNED_SUITE } from './algorithm-suites.js';
import { headerTag } from './header-reader.js';
import { deriveMessageKeys } from './key-derivation.js';
import { serializeHeaderBody, type EncryptedDataKey } from './message-header.js';

/**
 * A whole header (body and tag) of a message in the unsigned committing suite, for a data key
 * and message id already drawn and the EDKs wrapping that key: the small-file path writes it
 * before the frames, whether the job's thread or a worker holding lent keys builds it. Returns
 * the frame key too (the caller wipes it).
 */
export function unsignedHeader(fields: {
  dek: Buffer;
  messageId: Buffer;
  /** The encryption context as stored in the header, and the pairs kept out of it (authenticated only). */
  contextBytes: Buffer;
  authOnly: Buffer;
  frameLength: number;
  edks: EncryptedDataKey[];
}): { header: Buffer; dataKey: Buffer } {
  const keys = deriveMessageKeys(UNSIGNED_SUITE, fields.dek, fields.messageId);
  const body = serializeHeaderBody({
    suite: UNSIGNED_SUITE,
    messageId: fields.messageId,
    contextBytes: fields.contextBytes,
    frameLength: fields.frameLength,
    commitment: keys.commitment,
    edks: fields.edks,
  });
  return { header: Buffer.concat([body, headerTag(keys.dataKey, body, fields.authOnly)]), dataKey: keys.dataKey };
}
