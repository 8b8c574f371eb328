import { CofferError } from '../../../shared/errors.js';
import { suiteById, suiteHex, UNSIGNED_SUITE, type AlgorithmSuite } from './algorithm-suites.js';
import {
  COMMITMENT_BYTES,
  CONTENT_TYPE_FRAMED,
  HEADER_TAG_BYTES,
  LEGACY_MESSAGE_ID_BYTES,
  LEGACY_MESSAGE_TYPE,
  MESSAGE_ID_BYTES,
  MESSAGE_VERSION,
} from './esdk-constants.js';

/**
 * The ESDK header.
 * v2: version | suite | message id (32) | AAD length | encryption context | EDK count | EDKs |
 *     content type | frame length | commitment, then the header tag.
 * v1 (read only): version | type 0x80 | suite | message id (16) | AAD length | encryption context |
 *     EDK count | EDKs | content type | reserved u32 0 | IV length 12 | frame length, then the
 *     header IV and tag.
 */
export interface EncryptedDataKey {
  providerId: string;
  providerInfo: Buffer;
  ciphertext: Buffer;
}

export interface HeaderFields {
  /** The suite written (v2 suites only); 0x0478 when not given. */
  suite?: AlgorithmSuite;
  messageId: Buffer;
  /** The serialized encryption context exactly as stored (count and pairs; empty when none). */
  contextBytes: Buffer;
  edks: EncryptedDataKey[];
  frameLength: number;
  /** v2's key commitment (empty in v1, which has none). */
  commitment: Buffer;
}

export interface ParsedHeader extends HeaderFields {
  version: 1 | 2;
  suite: AlgorithmSuite;
  encryptionContext: Record<string, string>;
  /** The header tag's IV: 12 zero bytes in v2, stored in the header in v1. */
  headerIv: Buffer;
  /** The bytes the header tag authenticates. */
  body: Buffer;
  tag: Buffer;
  /** Header body plus tag: where the first frame starts. */
  length: number;
  /** The header's bytes as read (what a signature covers first). */
  raw: Buffer;
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
  const suite = fields.suite ?? UNSIGNED_SUITE;
  if (suite.messageVersion !== MESSAGE_VERSION) throw new RangeError(`suite ${suite.hex} is not written`);
  return Buffer.concat([
    u8(MESSAGE_VERSION),
    u16(suite.id),
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

function readSuite(cursor: Cursor, version: 1 | 2): AlgorithmSuite {
  const id = cursor.u16();
  const suite = suiteById(id);
  if (!suite) throw damaged(`its algorithm suite ${suiteHex(id)} is not one the AWS Encryption SDK defines`);
  if (suite.messageVersion !== version)
    throw damaged(`its algorithm suite ${suite.hex} belongs to message format v${suite.messageVersion}, not v${version}`);
  return suite;
}

function readEdks(cursor: Cursor): EncryptedDataKey[] {
  const edkCount = cursor.u16();
  if (edkCount === 0) throw damaged('it holds no encrypted data key');
  const edks: EncryptedDataKey[] = [];
  for (let i = 0; i < edkCount; i += 1) {
    const providerId = decodeText(cursor.take(cursor.u16()), 'a key provider id');
    const providerInfo = cursor.take(cursor.u16());
    const ciphertext = cursor.take(cursor.u16());
    edks.push({ providerId, providerInfo, ciphertext });
  }
  return edks;
}

function readContentType(cursor: Cursor): void {
  const contentType = cursor.u8();
  if (contentType !== CONTENT_TYPE_FRAMED)
    throw damaged(
      `its content type is ${contentType} (${contentType === 1 ? 'non-framed' : 'unknown'}); Coffer reads framed content (2) only`,
    );
}

/**
 * Parses a header (message format v2, or v1 as ESDK 1.x wrote it) from the start of a file.
 * Returns null when `bytes` ends before the header does (read more and call again); throws a
 * clear error when the bytes are not a header. Whether a v1 file may be decrypted is the
 * caller's decision (--allow-legacy-format); parsing it needs no key.
 */
export function parseHeader(bytes: Buffer): ParsedHeader | null {
  if (bytes.length === 0) return null;
  const version = bytes[0];
  if (version !== MESSAGE_VERSION && version !== 0x01) {
    throw new CofferError('COFFER.2001', 'The file is not a Coffer file: it does not start with an encrypted-message header.');
  }
  const cursor = new Cursor(bytes);
  try {
    cursor.u8();
    if (version === 0x01) {
      const type = cursor.u8();
      if (type !== LEGACY_MESSAGE_TYPE)
        throw damaged(`it claims message format version 1, but its message type is ${type}, not 128`);
    }
    const suite = readSuite(cursor, version === 0x01 ? 1 : 2);
    const messageId = cursor.take(version === 0x01 ? LEGACY_MESSAGE_ID_BYTES : MESSAGE_ID_BYTES);
    const contextBytes = cursor.take(cursor.u16());
    const edks = readEdks(cursor);
    readContentType(cursor);
    if (version === 0x01) {
      if (cursor.u32() !== 0) throw damaged('its reserved bytes are not zero');
      const ivLength = cursor.u8();
      if (ivLength !== 12) throw damaged(`its IV length is ${ivLength}, not 12`);
    }
    const frameLength = cursor.u32();
    if (frameLength === 0) throw damaged('its frame length is 0');
    const commitment = version === 0x01 ? Buffer.alloc(0) : cursor.take(COMMITMENT_BYTES);
    const bodyLength = cursor.offset;
    const headerIv = version === 0x01 ? cursor.take(12) : Buffer.alloc(12);
    const tag = cursor.take(HEADER_TAG_BYTES);
    return {
      version: version === 0x01 ? 1 : 2,
      suite,
      messageId,
      contextBytes,
      encryptionContext: parseContext(contextBytes),
      edks,
      frameLength,
      commitment,
      body: bytes.subarray(0, bodyLength),
      headerIv,
      tag,
      length: cursor.offset,
      raw: bytes.subarray(0, cursor.offset),
    };
  } catch (error) {
    if (error instanceof Incomplete) return null;
    throw error;
  }
}
