import type { FileHandle } from 'node:fs/promises';
import { CofferError } from '../../../shared/errors.js';
import { gcmOpenCopy, gcmSealCopy } from '../crypto/frame-cipher.js';
import { legacyGcmOpen } from '../crypto/legacy-gcm.js';
import { commitmentMatches, deriveMessageKeys, type MessageKeys } from './key-derivation.js';
import { MAX_FRAME_LENGTH } from './esdk-constants.js';
import { DEFAULT_MAX_ENCRYPTED_DATA_KEYS, MAX_ENCRYPTED_DATA_KEYS_LIMIT } from '../../../shared/file-format.js';
import { parseHeader, type ParsedHeader } from './message-header.js';

const ZERO_IV = Buffer.alloc(12);
const MAX_HEADER_BYTES = 16 * 1024 * 1024;

/**
 * The header tag: AES-256-GCM with a zero IV over nothing; the AAD is the header body followed by
 * the serialized pairs kept out of the header (the required encryption context; empty when none).
 */
export function headerTag(dataKey: Buffer, body: Buffer, authOnlyContext: Buffer = Buffer.alloc(0)): Buffer {
  return gcmSealCopy(dataKey, ZERO_IV, Buffer.alloc(0), Buffer.concat([body, authOnlyContext])).tag;
}

/**
 * The format allows frames up to 2^32 - 1 bytes, but a reader holds whole frames in memory (a
 * batch of them per worker), so a header's frame length decides an allocation: Coffer reads
 * frames no longer than it writes (16 MiB), before any key is used.
 */
function checkReadableFrameLength(header: ParsedHeader): ParsedHeader {
  if (header.frameLength > MAX_FRAME_LENGTH) {
    throw new CofferError(
      'COFFER.2012',
      `The file's header declares a frame length of ${header.frameLength} bytes; Coffer reads frames of at most ${MAX_FRAME_LENGTH} bytes (16 MiB), so it does not open this file.`,
    );
  }
  return header;
}

/**
 * In the spirit of the ESDK's maxEncryptedDataKeys: each EDK may cost a key use, so a header's EDK
 * count is bounded before any key is used. Coffer writes one EDK per key a file is encrypted for;
 * 64 is the default. The setting comes from the request (--max-encrypted-data-keys, the app's
 * Settings), else `COFFER_MAX_EDKS` (1..65535).
 */
export const DEFAULT_MAX_EDKS = DEFAULT_MAX_ENCRYPTED_DATA_KEYS;

export function maxEncryptedDataKeys(env: NodeJS.ProcessEnv = process.env): number {
  const given = Number(env.COFFER_MAX_EDKS);
  return Number.isInteger(given) && given >= 1 && given <= MAX_ENCRYPTED_DATA_KEYS_LIMIT ? given : DEFAULT_MAX_EDKS;
}

/** What a reader accepts in a header beyond the format's own rules. */
export interface HeaderLimits {
  /** EDKs tried at most (default: COFFER_MAX_EDKS, else 64). */
  maxEncryptedDataKeys?: number;
}

function checkEdkCount(header: ParsedHeader, limits: HeaderLimits): ParsedHeader {
  const max = limits.maxEncryptedDataKeys ?? maxEncryptedDataKeys();
  if (header.edks.length > max) {
    throw new CofferError(
      'COFFER.2036',
      `The file's header holds ${header.edks.length} encrypted data keys, over the ${max} Coffer tries; no key was used. ` +
        'If you trust the file, raise the limit with --max-encrypted-data-keys (in the app: Settings; or COFFER_MAX_EDKS).',
    );
  }
  return header;
}

/** Reads just enough of the file's start to parse its header. */
export async function readHeader(handle: FileHandle, fileSize: number, limits: HeaderLimits = {}): Promise<ParsedHeader> {
  let want = Math.min(fileSize, 4096);
  for (;;) {
    const buffer = Buffer.alloc(want);
    const { bytesRead } = await handle.read(buffer, 0, want, 0);
    const header = parseHeader(buffer.subarray(0, bytesRead));
    if (header) return checkEdkCount(checkReadableFrameLength(header), limits);
    if (bytesRead < want || want >= fileSize) {
      throw new CofferError(
        fileSize === 0 ? 'COFFER.2001' : 'COFFER.2004',
        fileSize === 0 ? 'The file is empty: it is not a Coffer file.' : 'The file is cut short: it ends inside its header.',
      );
    }
    if (want >= MAX_HEADER_BYTES)
      throw new CofferError('COFFER.2002', "The file's header is over 16 MiB: it is damaged or not a Coffer file.");
    want = Math.min(fileSize, want * 4, MAX_HEADER_BYTES);
  }
}

/** The header of a whole message held in memory (a small file read at once), checked as readHeader checks it. */
export function headerOfMessage(bytes: Buffer, limits: HeaderLimits = {}): ParsedHeader {
  const header = parseHeader(bytes.subarray(0, MAX_HEADER_BYTES));
  if (header) return checkEdkCount(checkReadableFrameLength(header), limits);
  if (bytes.length === 0) throw new CofferError('COFFER.2001', 'The file is empty: it is not a Coffer file.');
  if (bytes.length >= MAX_HEADER_BYTES)
    throw new CofferError('COFFER.2002', "The file's header is over 16 MiB: it is damaged or not a Coffer file.");
  throw new CofferError('COFFER.2004', 'The file is cut short: it ends inside its header.');
}

/**
 * Checks the key commitment (v2: before anything else, in constant time) and the header tag, and
 * returns the frame key. A wrong data key or an altered header stops here. `authOnlyContext` is
 * the serialized context the writer kept out of the header (given back with --encryption-context).
 */
export function authenticateHeader(header: ParsedHeader, dek: Buffer, authOnlyContext: Buffer = Buffer.alloc(0)): MessageKeys {
  if (dek.length !== header.suite.keyBytes) {
    throw new CofferError(
      'COFFER.2003',
      `The file's data key is ${dek.length} bytes, not the ${header.suite.keyBytes} its suite ${header.suite.hex} takes: the header was altered.`,
    );
  }
  const keys = deriveMessageKeys(header.suite, dek, header.messageId);
  if (header.version === 2 && !commitmentMatches(keys.commitment, header.commitment)) {
    throw new CofferError(
      'COFFER.2003',
      "The file's key commitment does not match its data key: the header was altered or the wrong key was used.",
    );
  }
  const aad = Buffer.concat([header.body, authOnlyContext]);
  const open = keys.dataKey.length === 32 ? gcmOpenCopy : legacyGcmOpen;
  if (open(keys.dataKey, header.headerIv, Buffer.alloc(0), header.tag, aad) === null) {
    throw new CofferError(
      authOnlyContext.length > 0 ? 'COFFER.2055' : 'COFFER.2003',
      authOnlyContext.length > 0
        ? "The file's header does not authenticate with the encryption context given: a pair given with --encryption-context is wrong, or the header was altered."
        : "The file's header does not authenticate: it was altered after the file was written.",
    );
  }
  return keys;
}
