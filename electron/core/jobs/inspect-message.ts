import { CofferError } from '../../../shared/errors.js';
import { SUITE_ID } from '../envelope/esdk-constants.js';
import { readHeader } from '../envelope/header-reader.js';
import { locateFrames, openReadableFile } from '../envelope/message-file.js';
import { edkReference } from '../keyrings/raw-aes-keyring.js';

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
  const { handle, stats } = await openReadableFile(path);
  try {
    const header = await readHeader(handle, stats.size);
    const layout = await locateFrames(handle, header, stats.size);
    if (!layout) {
      throw new CofferError(
        'COFFER.2004',
        `${path} does not end with a whole final frame: it is cut short or has bytes appended.`,
      );
    }
    const { regularFrames: regular, finalLength } = layout;
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
