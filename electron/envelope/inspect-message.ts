import { promises as fs } from 'node:fs';
import { CofferError } from '../../shared/errors.js';
import { FINAL_FRAME_MARKER, frameLayout, REGULAR_FRAME_OVERHEAD, SUITE_ID } from './esdk-constants.js';
import { readHeader } from './header-reader.js';
import { edkReference } from './raw-aes-keyring.js';

export interface MessageInfo {
  version: 2;
  suite_id: string;
  message_id: string;
  frame_length: number;
  /** From the file's size and its final frame's length field; only decryption authenticates it. */
  plaintext_length: number;
  frames: number;
  encryption_context: Record<string, string>;
  encrypted_data_keys: { provider_id: string; key_name: string | null; key_id: string | null; key_version: number | null }[];
}

/** What a file's header says, without any key (nothing here is authenticated). */
export async function inspectMessage(path: string): Promise<MessageInfo> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (error) {
    throw new CofferError('COFFER.2008', `${path} cannot be read: ${(error as Error).message}.`);
  }
  try {
    const { size } = await handle.stat();
    const header = await readHeader(handle, size);
    const layout = frameLayout(size, header.length, header.frameLength);
    const regular = layout?.regularFrames ?? 0;
    const finalLength = layout?.finalLength ?? -1;
    const frameSize = header.frameLength + REGULAR_FRAME_OVERHEAD;
    const marker = Buffer.alloc(24);
    await handle.read(marker, 0, 24, header.length + regular * frameSize);
    if (
      finalLength < 0 ||
      finalLength > header.frameLength ||
      marker.readUInt32BE(0) !== FINAL_FRAME_MARKER ||
      marker.readUInt32BE(20) !== finalLength
    ) {
      throw new CofferError(
        'COFFER.2004',
        `${path} does not end with a whole final frame: it is cut short or has bytes appended.`,
      );
    }
    return {
      version: 2,
      suite_id: `0x${SUITE_ID.toString(16).padStart(4, '0')}`,
      message_id: header.messageId.toString('hex'),
      frame_length: header.frameLength,
      plaintext_length: regular * header.frameLength + finalLength,
      frames: regular + 1,
      encryption_context: header.encryptionContext,
      encrypted_data_keys: header.edks.map((edk) => {
        const reference = edkReference(edk);
        const nameBytes =
          edk.providerInfo.length > 20 ? edk.providerInfo.subarray(0, edk.providerInfo.length - 20) : Buffer.alloc(0);
        return {
          provider_id: edk.providerId,
          key_name: reference ? nameBytes.toString('utf8') : null,
          key_id: reference?.keyId ?? null,
          key_version: reference?.version ?? null,
        };
      }),
    };
  } finally {
    await handle.close();
  }
}
