import { createHash, randomBytes } from 'node:crypto';
import { CofferError } from '../../../shared/errors.js';
import {
  CreateDatakeyRequest,
  DecryptDataRequest,
  DecryptDatakeyRequest,
  EncryptDataRequest,
  EncryptDatakeyRequest,
  GenRandomRequest,
  ReEncryptDataRequest,
  parseRequest,
} from '../../../shared/kms-schemas.js';
import { validateEncryptionContext, type EncryptionContext } from '../crypto/encryption-context.js';
import { decodeBase64, decodeHex, looksLikeHex } from '../crypto/strict-encoding.js';
import { keySpecOf, resolveKey } from '../vault/key-lifecycle.js';
import type { KeyRecord, VaultState } from '../vault/vault-file.js';
import { useCmk } from '../keyrings/cmk-use.js';
import type { Vault } from '../vault/vault.js';
import { decryptDataRsa, encryptDataRsa } from './asymmetric-operations.js';
import { DataKind, openDataCiphertext, parseDataCiphertext, sealDataCiphertext, type DataCiphertext } from './data-ciphertext.js';

/**
 * The seed's two data scenarios as KMS operations: small data (<= 4096 bytes) encrypted under a
 * CMK directly, and data keys for envelope encryption. Every use of a key goes through the
 * vault, which checks its state and records the use.
 */
export const MAX_PLAINTEXT_BYTES = 4096;
const MAX_DATAKEY_BITS = 8192;

async function seal(
  vault: Vault,
  operation: string,
  kind: DataKind,
  keyRef: string,
  plaintext: Buffer,
  context: EncryptionContext,
): Promise<{ key_id: string; key_version: number; bytes: Buffer }> {
  return useCmk(vault, operation, keyRef, (material, key, version) => {
    assertSymmetric(key, operation);
    return {
      key_id: key.key_id,
      key_version: version,
      bytes: sealDataCiphertext(kind, key.key_id, version, material, plaintext, context),
    };
  });
}

/** AES-GCM ciphertexts and data keys need an AES_256 key; an asymmetric key's material is a private key. */
function assertSymmetric(key: Readonly<KeyRecord>, operation: string): void {
  if (keySpecOf(key) !== 'AES_256') {
    throw new CofferError(
      'COFFER.8003',
      `Key ${key.key_id} is an asymmetric ${keySpecOf(key)} key: ${operation} needs an AES_256 key` +
        (operation === 'encrypt-data' || operation === 'decrypt-data'
          ? ' (or encryption_algorithm RSAES_OAEP_SHA_256 with an RSA key).'
          : '.'),
    );
  }
}

function open(vault: Vault, operation: string, parsed: DataCiphertext, context: EncryptionContext): Promise<Buffer> {
  return useCmk(
    vault,
    operation,
    parsed.keyId,
    (material, key) => {
      assertSymmetric(key, operation);
      return openDataCiphertext(parsed, material, context);
    },
    parsed.keyVersion,
  );
}

function checkPlaintextSize(plaintext: Buffer): void {
  if (plaintext.length === 0 || plaintext.length > MAX_PLAINTEXT_BYTES) {
    throw new CofferError(
      'KMS.2101',
      `The plain_text is ${plaintext.length} bytes; encrypt-data takes 1 to ${MAX_PLAINTEXT_BYTES} bytes. ` +
        'For larger data, use a data key (create-datakey) or encrypt-file.',
    );
  }
}

function utf8OrNull(bytes: Buffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

export async function encryptData(
  vault: Vault,
  input: unknown,
): Promise<{ key_id: string; key_version: number; cipher_text: string }> {
  const request = parseRequest(EncryptDataRequest, input);
  if ((request.plain_text === undefined) === (request.plain_text_base64 === undefined)) {
    throw new CofferError('KMS.0204', 'Give the plaintext once: plain_text (text) or plain_text_base64 (bytes).');
  }
  const plaintext =
    request.plain_text !== undefined
      ? Buffer.from(request.plain_text, 'utf8')
      : decodeBase64(request.plain_text_base64!, 'KMS.2101', 'plain_text_base64');
  checkPlaintextSize(plaintext);
  const state = await vault.refresh();
  const asymmetric = keySpecOf(resolveKey(state as VaultState, request.key_id)) !== 'AES_256';
  if (asymmetric || request.encryption_algorithm === 'RSAES_OAEP_SHA_256') {
    if (!asymmetric || request.encryption_algorithm === 'SYMMETRIC_DEFAULT') {
      throw new CofferError(
        'COFFER.8003',
        `encryption_algorithm ${request.encryption_algorithm ?? 'SYMMETRIC_DEFAULT'} does not fit key ${request.key_id}: ` +
          'RSAES_OAEP_SHA_256 needs an RSA key, SYMMETRIC_DEFAULT an AES_256 key.',
      );
    }
    try {
      return await encryptDataRsa(vault, request.key_id, plaintext, request.encryption_context !== undefined);
    } finally {
      plaintext.fill(0);
    }
  }
  const context = validateEncryptionContext(request.encryption_context);
  try {
    const sealed = await seal(vault, 'encrypt-data', DataKind.Data, request.key_id, plaintext, context);
    return { key_id: sealed.key_id, key_version: sealed.key_version, cipher_text: sealed.bytes.toString('base64') };
  } finally {
    plaintext.fill(0);
  }
}

export async function decryptData(
  vault: Vault,
  input: unknown,
): Promise<{ key_id: string; key_version: number; plain_text: string | null; plain_text_base64: string }> {
  const request = parseRequest(DecryptDataRequest, input);
  if (request.encryption_algorithm === 'RSAES_OAEP_SHA_256') {
    if (request.key_id === undefined) {
      throw new CofferError('KMS.0204', 'An RSAES_OAEP_SHA_256 ciphertext does not name its key: give key_id (--key-id) too.');
    }
    const opened = await decryptDataRsa(
      vault,
      request.key_id,
      decodeBase64(request.cipher_text, 'KMS.2201', 'cipher_text'),
      request.encryption_context !== undefined,
    );
    return {
      key_id: opened.key_id,
      key_version: opened.key_version,
      plain_text: utf8OrNull(opened.plaintext),
      plain_text_base64: opened.plaintext.toString('base64'),
    };
  }
  const parsed = parseDataCiphertext(decodeBase64(request.cipher_text, 'KMS.2201', 'cipher_text'), DataKind.Data);
  const context = validateEncryptionContext(request.encryption_context);
  const plaintext = await open(vault, 'decrypt-data', parsed, context);
  return {
    key_id: parsed.keyId,
    key_version: parsed.keyVersion,
    plain_text: utf8OrNull(plaintext),
    plain_text_base64: plaintext.toString('base64'),
  };
}

function datakeyBits(request: { datakey_length?: number; key_spec?: 'AES_256' | 'AES_128' }): number {
  const bits = request.datakey_length ?? (request.key_spec === 'AES_128' ? 128 : 256);
  if (!Number.isInteger(bits) || bits < 8 || bits > MAX_DATAKEY_BITS || bits % 8 !== 0) {
    throw new CofferError(
      'KMS.1901',
      `datakey_length is in bits: a multiple of 8 from 8 to ${MAX_DATAKEY_BITS} (256 for an AES-256 key); ${String(bits)} was given.`,
    );
  }
  return bits;
}

export async function createDatakey(
  vault: Vault,
  input: unknown,
  withPlaintext = true,
): Promise<{ key_id: string; key_version: number; plain_text?: string; cipher_text: string }> {
  const request = parseRequest(CreateDatakeyRequest, input);
  const dek = randomBytes(datakeyBits(request) / 8);
  const context = validateEncryptionContext(request.encryption_context);
  try {
    const operation = withPlaintext ? 'create-datakey' : 'create-datakey-without-plaintext';
    const sealed = await seal(vault, operation, DataKind.DataKey, request.key_id, dek, context);
    return {
      key_id: sealed.key_id,
      key_version: sealed.key_version,
      ...(withPlaintext ? { plain_text: dek.toString('hex') } : {}),
      cipher_text: sealed.bytes.toString('hex'),
    };
  } finally {
    dek.fill(0);
  }
}

/**
 * Wraps a data key the caller already has. plain_text is the key in hex, optionally followed by
 * its SHA-256 (as Huawei KMS sends it), which is then checked.
 */
export async function encryptDatakey(
  vault: Vault,
  input: unknown,
): Promise<{ key_id: string; key_version: number; cipher_text: string; datakey_length: string }> {
  const request = parseRequest(EncryptDatakeyRequest, input);
  const length = request.datakey_plain_length;
  if (!Number.isInteger(length) || length < 1 || length > MAX_DATAKEY_BITS / 8) {
    throw new CofferError(
      'KMS.2102',
      `datakey_plain_length is the data key's length in bytes, 1 to ${MAX_DATAKEY_BITS / 8}; ${String(length)} was given.`,
    );
  }
  const given = decodeHex(request.plain_text, 'KMS.2101', 'plain_text');
  let dek: Buffer;
  if (given.length === length) {
    dek = given;
  } else if (given.length === length + 32) {
    dek = given.subarray(0, length);
    if (!createHash('sha256').update(dek).digest().equals(given.subarray(length))) {
      throw new CofferError(
        'KMS.2103',
        'The SHA-256 digest after the data key does not match the key: the plain_text was altered or cut.',
      );
    }
  } else {
    throw new CofferError(
      'KMS.2102',
      `The plain_text holds ${given.length} bytes, but datakey_plain_length says ${length} (give the key alone, or the key followed by its 32-byte SHA-256).`,
    );
  }
  const context = validateEncryptionContext(request.encryption_context);
  try {
    const sealed = await seal(vault, 'encrypt-datakey', DataKind.DataKey, request.key_id, dek, context);
    return {
      key_id: sealed.key_id,
      key_version: sealed.key_version,
      cipher_text: sealed.bytes.toString('hex'),
      datakey_length: String(length),
    };
  } finally {
    given.fill(0);
  }
}

export async function decryptDatakey(
  vault: Vault,
  input: unknown,
): Promise<{ key_id: string; key_version: number; data_key: string; datakey_length: string; datakey_dgst: string }> {
  const request = parseRequest(DecryptDatakeyRequest, input);
  const bytes = decodeHex(request.cipher_text, 'KMS.2201', 'cipher_text');
  if (request.datakey_cipher_length !== undefined && request.datakey_cipher_length !== bytes.length) {
    throw new CofferError(
      'KMS.2202',
      `datakey_cipher_length says ${String(request.datakey_cipher_length)} bytes, but the cipher_text holds ${bytes.length}.`,
    );
  }
  const parsed = parseDataCiphertext(bytes, DataKind.DataKey);
  const dek = await open(vault, 'decrypt-datakey', parsed, validateEncryptionContext(request.encryption_context));
  return {
    key_id: parsed.keyId,
    key_version: parsed.keyVersion,
    data_key: dek.toString('hex'),
    datakey_length: String(dek.length),
    datakey_dgst: createHash('sha256').update(dek).digest('hex'),
  };
}

/** A ciphertext of either kind, in the encoding it came in (data: Base64, data keys: hex). */
function readAnyCiphertext(text: string): { parsed: DataCiphertext; encoding: 'base64' | 'hex' } {
  if (looksLikeHex(text)) {
    const bytes = Buffer.from(text.trim(), 'hex');
    if (bytes[0] === 1 && bytes[1] === DataKind.DataKey)
      return { parsed: parseDataCiphertext(bytes, DataKind.DataKey), encoding: 'hex' };
  }
  const bytes = decodeBase64(text, 'KMS.2201', 'cipher_text');
  return {
    parsed: parseDataCiphertext(bytes, bytes[1] === DataKind.DataKey ? DataKind.DataKey : DataKind.Data),
    encoding: 'base64',
  };
}

/**
 * Moves a ciphertext to the newest version of its key, or to another key, without ever
 * returning the plaintext: what a user runs after a rotation.
 */
export async function reEncryptData(
  vault: Vault,
  input: unknown,
): Promise<{ key_id: string; key_version: number; cipher_text: string; source_key_id: string; source_key_version: number }> {
  const request = parseRequest(ReEncryptDataRequest, input);
  const { parsed, encoding } = readAnyCiphertext(request.cipher_text);
  const sourceContext = validateEncryptionContext(request.encryption_context);
  const destinationContext =
    request.destination_encryption_context === undefined
      ? sourceContext
      : validateEncryptionContext(request.destination_encryption_context);
  const plaintext = await open(vault, 're-encrypt-data', parsed, sourceContext);
  try {
    const sealed = await seal(
      vault,
      're-encrypt-data',
      parsed.kind,
      request.destination_key_id ?? parsed.keyId,
      plaintext,
      destinationContext,
    );
    return {
      key_id: sealed.key_id,
      key_version: sealed.key_version,
      cipher_text: sealed.bytes.toString(encoding),
      source_key_id: parsed.keyId,
      source_key_version: parsed.keyVersion,
    };
  } finally {
    plaintext.fill(0);
  }
}

export function genRandom(input: unknown): { random_data: string } {
  const request = parseRequest(GenRandomRequest, input);
  const bits = request.random_data_length;
  if (!Number.isInteger(bits) || bits < 8 || bits > MAX_DATAKEY_BITS || bits % 8 !== 0) {
    throw new CofferError(
      'KMS.1801',
      `random_data_length is in bits: a multiple of 8 from 8 to ${MAX_DATAKEY_BITS}; ${String(bits)} was given.`,
    );
  }
  return { random_data: randomBytes(bits / 8).toString('hex') };
}
