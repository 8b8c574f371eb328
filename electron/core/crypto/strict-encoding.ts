import { CofferError, type ErrorCode } from '../../../shared/errors.js';

/**
 * Base64 and hex that refuse anything else: Node's decoders skip bad characters silently,
 * which would turn a pasted typo into a confusing authentication failure.
 */
export function decodeBase64(text: string, code: ErrorCode, field: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) {
    throw new CofferError(
      code,
      `The ${field} is not valid Base64 (only A-Z, a-z, 0-9, + and /, padded with = to a multiple of 4 characters).`,
    );
  }
  return Buffer.from(compact, 'base64');
}

export function decodeHex(text: string, code: ErrorCode, field: string): Buffer {
  const compact = text.trim();
  if (compact.length === 0 || compact.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(compact)) {
    throw new CofferError(code, `The ${field} is not valid hex (an even number of the digits 0-9 and a-f).`);
  }
  return Buffer.from(compact, 'hex');
}

export function looksLikeHex(text: string): boolean {
  const compact = text.trim();
  return compact.length > 0 && compact.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(compact);
}
