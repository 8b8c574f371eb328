import { randomBytes } from 'node:crypto';
import { CofferError } from '../../../shared/errors.js';

// Crockford's Base32: no I, L, O or U, so a code copied by hand survives.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_BYTES = 20; // 160 bits: far beyond guessing, so no slow KDF is needed.
const GROUP = 4;

export function newRecoveryCode(): { code: string; secret: Buffer } {
  const secret = randomBytes(CODE_BYTES);
  return { code: formatRecoveryCode(secret), secret };
}

export function formatRecoveryCode(secret: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of secret) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out.match(new RegExp(`.{1,${GROUP}}`, 'g'))!.join('-');
}

/** Accepts the code as the user typed it: any case, spaces or dashes, O for 0 and I/L for 1. */
export function parseRecoveryCode(text: string): Buffer {
  const cleaned = text.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  const expectedChars = Math.ceil((CODE_BYTES * 8) / 5);
  if (cleaned.length !== expectedChars || [...cleaned].some((c) => !ALPHABET.includes(c))) {
    throw new CofferError(
      'COFFER.1009',
      `That is not a Coffer recovery code: it has ${expectedChars} letters and digits in groups of ${GROUP}, as shown by \`coffer init\`.`,
    );
  }
  let bits = 0;
  let value = 0;
  const bytes: number[] = [];
  for (const c of cleaned) {
    value = (value << 5) | ALPHABET.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 255);
      bits -= 8;
      value &= (1 << bits) - 1;
    }
  }
  return Buffer.from(bytes.slice(0, CODE_BYTES));
}
