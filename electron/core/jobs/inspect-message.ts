import { CofferError } from '../../../shared/errors.js';
import { readHeader, type HeaderLimits } from '../envelope/header-reader.js';
import { locateFrames, openReadableFile } from '../envelope/message-file.js';
import type { EncryptedDataKey } from '../envelope/message-header.js';
import { edkReference } from '../keyrings/raw-aes-keyring.js';

export interface EdkInfo {
  provider_id: string;
  /** The key name the EDK carries (see edkKeyName); null only when it is not text. */
  key_name: string | null;
  /** "raw-aes" when the provider info ends with raw AES's GCM fields, else "other" (raw RSA, KMS, ...). */
  provider_info_format: 'raw-aes' | 'other';
  /** For an EDK one of Coffer's own CMKs made: its key id and version. */
  key_id: string | null;
  key_version: number | null;
}

export interface MessageInfo {
  version: 1 | 2;
  suite_id: string;
  /** The suite in words: "AES-256-GCM, HKDF-SHA512, key commitment, ECDSA P-384". */
  algorithm: string;
  /** Whether the file ends with an ECDSA signature over every byte (only decryption checks it). */
  signed: boolean;
  message_id: string;
  frame_length: number;
  /** From the file's size and its final frame's length field; only decryption authenticates it. */
  plaintext_length: number;
  frames: number;
  encryption_context: Record<string, string>;
  encrypted_data_keys: EdkInfo[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function text(bytes: Buffer): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * The key name an EDK carries (framework/raw-aes-keyring.md, raw-rsa-keyring.md): a raw AES
 * keyring's provider info is key name || u32(tag bits = 128) || u32(IV length = 12) || IV, so the
 * name is all but its last 20 bytes; any other keyring's (raw RSA, AWS KMS) provider info is the
 * key name itself.
 */
export function edkKeyName(edk: EncryptedDataKey): { name: string | null; format: 'raw-aes' | 'other' } {
  const info = edk.providerInfo;
  const end = info.length - 20;
  if (end >= 0 && info.readUInt32BE(end) === 128 && info.readUInt32BE(end + 4) === 12) {
    return { name: text(info.subarray(0, end)), format: 'raw-aes' };
  }
  return { name: text(info), format: 'other' };
}

/** What a file's header says, without any key (nothing here is authenticated). */
export async function inspectMessage(path: string, limits: HeaderLimits = {}): Promise<MessageInfo> {
  const { handle, stats } = await openReadableFile(path);
  try {
    const header = await readHeader(handle, stats.size, limits);
    const layout = await locateFrames(handle, header, stats.size);
    if (!layout) {
      throw new CofferError(
        'COFFER.2004',
        `${path} does not end with a whole final frame${header.suite.signature ? ' and a signature' : ''}: it is cut short or has bytes appended.`,
      );
    }
    const { regularFrames: regular, finalLength } = layout;
    return {
      version: header.version,
      suite_id: header.suite.hex,
      algorithm: header.suite.description,
      signed: header.suite.signature !== null,
      message_id: header.messageId.toString('hex'),
      frame_length: header.frameLength,
      plaintext_length: regular * header.frameLength + finalLength,
      frames: regular + 1,
      encryption_context: header.encryptionContext,
      encrypted_data_keys: header.edks.map((edk) => {
        const reference = edkReference(edk);
        const { name, format } = edkKeyName(edk);
        return {
          provider_id: edk.providerId,
          key_name: name,
          provider_info_format: format,
          key_id: reference?.keyId ?? null,
          key_version: reference?.version ?? null,
        };
      }),
    };
  } finally {
    await handle.close();
  }
}
