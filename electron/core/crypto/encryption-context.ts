import { CofferError } from '../../../shared/errors.js';
import { MAX_ENCRYPTION_CONTEXT_CHARS } from '../../../shared/file-job.js';

/**
 * An encryption context: string pairs bound to a ciphertext as associated data, checked
 * exactly (case-sensitive) on decryption. Serialized as the AWS Encryption SDK does, so the
 * same bytes serve the KMS data operations and the file format: u16 count, then per pair
 * u16 length + key, u16 length + value, pairs sorted by the UTF-8 bytes of the key.
 */
export type EncryptionContext = Readonly<Record<string, string>>;

/** Huawei KMS's limit: the context as JSON text is at most 8192 characters. */
export const MAX_CONTEXT_CHARS = MAX_ENCRYPTION_CONTEXT_CHARS;

export function validateEncryptionContext(value: unknown): EncryptionContext {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new CofferError(
      'KMS.0208',
      'The encryption context must be a JSON object of string pairs, such as {"purpose":"backup"}.',
    );
  }
  const entries = Object.entries(value as Record<string, unknown>);
  for (const [key, pairValue] of entries) {
    if (key.length === 0) throw new CofferError('KMS.0208', 'An encryption context key cannot be empty.');
    if (typeof pairValue !== 'string') {
      throw new CofferError(
        'KMS.0208',
        `The encryption context value of "${key.slice(0, 40)}" must be a string, not ${typeof pairValue}.`,
      );
    }
  }
  const length = JSON.stringify(value).length;
  if (length > MAX_CONTEXT_CHARS) {
    throw new CofferError(
      'KMS.0208',
      `The encryption context is ${length} characters as JSON; at most ${MAX_CONTEXT_CHARS} are allowed.`,
    );
  }
  return value as EncryptionContext;
}

/** Parses `--encryption-context` text: JSON of string pairs. */
export function parseEncryptionContextJson(text: string): EncryptionContext {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CofferError(
      'KMS.0208',
      `The encryption context must be JSON, such as {"purpose":"backup"}; "${text.slice(0, 60)}" is not JSON.`,
    );
  }
  return validateEncryptionContext(value);
}

export function sortedContextEntries(context: EncryptionContext): [Buffer, Buffer][] {
  return Object.entries(context)
    .map(([k, v]): [Buffer, Buffer] => [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')])
    .sort(([a], [b]) => Buffer.compare(a, b));
}

/** The ESDK serialization, with its u16 pair count; empty context -> zero bytes. */
export function serializeEncryptionContext(context: EncryptionContext): Buffer {
  const entries = sortedContextEntries(context);
  if (entries.length === 0) return Buffer.alloc(0);
  const parts: Buffer[] = [u16(entries.length)];
  for (const [key, value] of entries) {
    if (key.length > 0xffff || value.length > 0xffff)
      throw new CofferError('KMS.0208', 'An encryption context key or value is over 65535 bytes.');
    parts.push(u16(key.length), key, u16(value.length), value);
  }
  return Buffer.concat(parts);
}

function u16(value: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(value);
  return out;
}
