import { CofferError } from '../../../shared/errors.js';
import {
  COMMITMENT_BYTES,
  CONTENT_TYPE_FRAMED,
  HEADER_TAG_BYTES,
  MESSAGE_ID_BYTES,
  MESSAGE_VERSION,
  SUITE_ID,
} from './esdk-constants.js';

/**
 * The ESDK v2 header: version | suite | message id | AAD length | encryption context |
 * EDK count | EDKs | content type | frame length | commitment, then the header tag.
 */
export interface EncryptedDataKey {
  providerId: string;
  providerInfo: Buffer;
  ciphertext: Buffer;
}

export interface HeaderFields {
  messageId: Buffer;
  /** The serialized encryption context exactly as stored (count and pairs; empty when none). */
  contextBytes: Buffer;
  edks: EncryptedDataKey[];
  frameLength: number;
  commitment: Buffer;
}

export interface ParsedHeader extends HeaderFields {
  encryptionContext: Record<string, string>;
  /** The bytes the header tag authenticates. */
  body: Buffer;
  tag: Buffer;
  /** Header body plus tag: where the first frame starts. */
  length: number;
}

function u8(v: number): Buffer {
  return Buffer.from([v]);
}
function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
}
function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return b;
}
function lengthPrefixed(bytes: Buffer, what: string): Buffer[] {
  if (bytes.length > 0xffff) throw new CofferError('COFFER.2002', `${what} is over 65535 bytes.`);
  return [u16(bytes.length), bytes];
}

export function serializeHeaderBody(fields: HeaderFields): Buffer {
  if (fields.edks.length < 1 || fields.edks.length > 0xffff)
    throw new CofferError('COFFER.2002', 'A file needs 1 to 65535 encrypted data keys.');
  return Buffer.concat([
    u8(MESSAGE_VERSION),
    u16(SUITE_ID),
    fields.messageId,
    ...lengthPrefixed(fields.contextBytes, 'The encryption context'),
    u16(fields.edks.length),
    ...fields.edks.flatMap((edk) => [
      ...lengthPrefixed(Buffer.from(edk.providerId, 'utf8'), 'A key provider id'),
      ...lengthPrefixed(edk.providerInfo, 'A key provider info'),
      ...lengthPrefixed(edk.ciphertext, 'An encrypted data key'),
    ]),
    u8(CONTENT_TYPE_FRAMED),
    u32(fields.frameLength),
    fields.commitment,
  ]);
}

class Incomplete extends Error {}

/** Reads fields off a buffer; running past its end means "read more of the file". */
class Cursor {
  offset = 0;
  constructor(private readonly bytes: Buffer) {}
  take(n: number): Buffer {
    if (this.offset + n > this.bytes.length) throw new Incomplete();
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  u8(): number {
    return this.take(1).readUInt8(0);
  }
  u16(): number {
    return this.take(2).readUInt16BE(0);
  }
  u32(): number {
    return this.take(4).readUInt32BE(0);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function damaged(why: string): CofferError {
  return new CofferError('COFFER.2002', `The file's header is damaged or unsupported: ${why}.`);
}

function decodeText(bytes: Buffer, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw damaged(`${what} is not valid UTF-8`);
  }
}

function parseContext(bytes: Buffer): Record<string, string> {
  const context: Record<string, string> = {};
  if (bytes.length === 0) return context;
  const cursor = new Cursor(bytes);
  try {
    const count = cursor.u16();
    if (count === 0) throw damaged('the encryption context is present but empty');
    for (let i = 0; i < count; i += 1) {
      const key = decodeText(cursor.take(cursor.u16()), 'an encryption context key');
      const value = decodeText(cursor.take(cursor.u16()), 'an encryption context value');
      if (Object.hasOwn(context, key)) throw damaged(`the encryption context repeats the key "${key}"`);
      context[key] = value;
    }
  } catch (error) {
    if (error instanceof Incomplete) throw damaged('the encryption context is cut short');
    throw error;
  }
  if (cursor.offset !== bytes.length) throw damaged('the encryption context has bytes left over');
  return context;
}

/**
 * Parses a header from the start of a file. Returns null when `bytes` ends before the header
 * does (read more and call again); throws a clear error when the bytes are not a header.
 */
export function parseHeader(bytes: Buffer): ParsedHeader | null {
  if (bytes.length === 0) return null;
  const version = bytes[0];
  if (version === 0x01) {
    throw damaged('it is an AWS Encryption SDK message of format version 1; Coffer reads version 2 (suite 0x0478) only');
  }
  if (version !== MESSAGE_VERSION) {
    throw new CofferError('COFFER.2001', 'The file is not a Coffer file: it does not start with an encrypted-message header.');
  }
  const cursor = new Cursor(bytes);
  try {
    cursor.u8();
    const suite = cursor.u16();
    if (suite !== SUITE_ID) {
      throw damaged(
        `its algorithm suite is 0x${suite.toString(16).padStart(4, '0')}; Coffer reads 0x0478 (AES-256-GCM, HKDF-SHA512, key commitment, unsigned)`,
      );
    }
    const messageId = cursor.take(MESSAGE_ID_BYTES);
    const contextBytes = cursor.take(cursor.u16());
    const edkCount = cursor.u16();
    if (edkCount === 0) throw damaged('it holds no encrypted data key');
    const edks: EncryptedDataKey[] = [];
    for (let i = 0; i < edkCount; i += 1) {
      const providerId = decodeText(cursor.take(cursor.u16()), 'a key provider id');
      const providerInfo = cursor.take(cursor.u16());
      const ciphertext = cursor.take(cursor.u16());
      edks.push({ providerId, providerInfo, ciphertext });
    }
    const contentType = cursor.u8();
    if (contentType !== CONTENT_TYPE_FRAMED)
      throw damaged(`its content type is ${contentType}; Coffer reads framed content (2) only`);
    const frameLength = cursor.u32();
    if (frameLength === 0) throw damaged('its frame length is 0');
    const commitment = cursor.take(COMMITMENT_BYTES);
    const bodyLength = cursor.offset;
    const tag = cursor.take(HEADER_TAG_BYTES);
    return {
      messageId,
      contextBytes,
      encryptionContext: parseContext(contextBytes),
      edks,
      frameLength,
      commitment,
      body: bytes.subarray(0, bodyLength),
      tag,
      length: cursor.offset,
    };
  } catch (error) {
    if (error instanceof Incomplete) return null;
    throw error;
  }
}
