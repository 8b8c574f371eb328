import { CofferError } from '../../../shared/errors.js';
import { serializeEncryptionContext, type EncryptionContext } from '../crypto/encryption-context.js';
import { PUBLIC_KEY_CONTEXT_KEY, RESERVED_CONTEXT_PREFIX } from './esdk-constants.js';
import type { ParsedHeader } from './message-header.js';

/**
 * A message's encryption context in its three serializations (client-apis/encrypt.md, the
 * required-encryption-context CMM):
 * - stored: what the header carries, in the clear;
 * - full: every pair, stored or not, which the keyrings bind the data key to;
 * - authOnly: the pairs kept out of the header ("required" keys), which the header tag also
 *   authenticates, so a reader must give them back to open the file.
 * A signed message's public key is a stored pair like any other.
 */
export interface MessageContext {
  stored: Buffer;
  full: Buffer;
  authOnly: Buffer;
}

function pick(context: EncryptionContext, keep: (key: string) => boolean): Record<string, string> {
  return Object.fromEntries(Object.entries(context).filter(([key]) => keep(key)));
}

/** The context an encryption writes, binds and authenticates. */
export function contextForEncryption(
  context: EncryptionContext,
  requiredKeys: readonly string[],
  publicKeyBase64: string | null,
): MessageContext {
  const reserved = Object.keys(context).find((key) => key.startsWith(RESERVED_CONTEXT_PREFIX));
  if (reserved !== undefined) {
    throw new CofferError(
      'KMS.0208',
      `The encryption context key "${reserved.slice(0, 40)}" starts with "${RESERVED_CONTEXT_PREFIX}", which the AWS Encryption SDK keeps for itself; rename it.`,
    );
  }
  const missing = requiredKeys.filter((key) => !Object.hasOwn(context, key));
  if (missing.length > 0) {
    throw new CofferError(
      'COFFER.2056',
      `The required encryption context key${missing.length > 1 ? 's' : ''} ${missing.map((k) => `"${k.slice(0, 40)}"`).join(', ')} ${
        missing.length > 1 ? 'have' : 'has'
      } no value: give every required key a value in --encryption-context.`,
    );
  }
  const required = new Set(requiredKeys);
  const full = publicKeyBase64 === null ? { ...context } : { ...context, [PUBLIC_KEY_CONTEXT_KEY]: publicKeyBase64 };
  return {
    stored: serializeEncryptionContext(pick(full, (key) => !required.has(key))),
    full: serializeEncryptionContext(full),
    authOnly: serializeEncryptionContext(pick(full, (key) => required.has(key))),
  };
}

/**
 * The context a decryption uses, given the pairs the reader supplies (`decrypt-file
 * --encryption-context`): a pair the header also stores must have the same value; the others
 * are the pairs the writer kept out of the header. With none given, the stored bytes are used
 * exactly as stored.
 */
export function contextForDecryption(header: ParsedHeader, given: EncryptionContext): MessageContext {
  const stored = header.encryptionContext;
  const conflicts = Object.keys(given).filter((key) => Object.hasOwn(stored, key) && stored[key] !== given[key]);
  if (conflicts.length > 0) {
    throw new CofferError(
      'COFFER.2054',
      `The encryption context given does not match the file's: its header stores a different value for ${conflicts
        .map((k) => `"${k.slice(0, 40)}"`)
        .join(', ')}. Nothing was written.`,
    );
  }
  const extra = pick(given, (key) => !Object.hasOwn(stored, key));
  if (Object.keys(extra).length === 0)
    return { stored: header.contextBytes, full: header.contextBytes, authOnly: Buffer.alloc(0) };
  return {
    stored: header.contextBytes,
    full: serializeEncryptionContext({ ...stored, ...extra }),
    authOnly: serializeEncryptionContext(extra),
  };
}
