import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  privateDecrypt,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { promisify } from 'node:util';
import { CofferError } from '../../../shared/errors.js';
import { KeyState } from '../../../shared/key-types.js';
import {
  ExportKeyMaterialRequest,
  GetParametersForImportRequest,
  ImportKeyMaterialRequest,
  KeyIdRequest,
  parseRequest,
} from '../../../shared/kms-schemas.js';
import { isAsymmetricSpec, type AsymmetricKeySpec } from '../../../shared/key-specs.js';
import { aesKeyUnwrapPad } from '../crypto/aes-key-wrap.js';
import { privateKeyFromDer, specOfKey } from '../crypto/asymmetric-keys.js';
import { decodeBase64 } from '../crypto/strict-encoding.js';
import { assertUsable, deleteImportedMaterial, keySpecOf, resolveKey } from '../vault/key-lifecycle.js';
import { sealedMaterial, type KeyRecord } from '../vault/vault-file.js';
import type { MutationContext, Vault } from '../vault/vault.js';

/**
 * Bring your own key, as Huawei KMS does it: get-parameters-for-import hands out an RSA-3072
 * public key and a token valid 24 hours; import-key-material takes 32 bytes wrapped with
 * RSA-OAEP (SHA-256, MGF1-SHA-256) for a key created with origin "external". And the way out:
 * export-key-material, for keys created exportable, so files can be opened by any AWS
 * Encryption SDK elsewhere.
 */
export const WRAPPING_ALGORITHM = 'RSAES_OAEP_SHA_256';
const RSA_BITS = 3072;
export const IMPORT_TOKEN_TTL_MS = 24 * 3_600_000;
const MATERIAL_BYTES = 32;
const TOKEN_VERSION = 1;
const TOKEN_BODY_BYTES = 1 + 16 + 16 + 8;

const generateRsaKeyPair = promisify(generateKeyPair);

function uuidBytes(keyId: string): Buffer {
  return Buffer.from(keyId.replace(/-/g, ''), 'hex');
}

function assertExternal(key: KeyRecord): void {
  if (key.origin !== 'external') {
    throw new CofferError(
      'KMS.0309',
      `Key ${key.key_id} was created with origin "kms": only keys created with --origin external take imported material.`,
    );
  }
}

function assertPendingImport(key: KeyRecord): void {
  if (key.state !== KeyState.PendingImport) {
    throw new CofferError(
      'KMS.0310',
      `Key ${key.key_id} is not waiting for material (its state is ${key.state}): ` +
        (key.state === KeyState.PendingDeletion
          ? 'cancel its deletion first.'
          : 'delete its imported material first to import again.'),
    );
  }
}

/**
 * An asymmetric key's private key as Huawei imports it: the material unwrapped from
 * encrypted_key_material is a temporary AES-256 key, under which encrypted_privatekey holds the
 * PKCS#8 DER private key, wrapped with AES key wrap with padding (RFC 5649). Returns the private
 * key (PKCS#8 DER, re-encoded) and its public key (SubjectPublicKeyInfo DER).
 */
function unwrapPrivateKey(
  key: KeyRecord,
  spec: AsymmetricKeySpec,
  temporaryKey: Buffer,
  wrappedPrivateKey: Buffer,
): { privateKey: Buffer; publicKey: Buffer } {
  if (temporaryKey.length !== MATERIAL_BYTES) {
    throw new CofferError(
      'KMS.2604',
      `encrypted_key_material must carry a temporary AES-256 key (32 bytes) for an asymmetric key; ${temporaryKey.length} bytes were unwrapped.`,
    );
  }
  const der = aesKeyUnwrapPad(temporaryKey, wrappedPrivateKey);
  if (!der) {
    throw new CofferError(
      'COFFER.8008',
      'encrypted_privatekey does not unwrap under the temporary key: wrap the PKCS#8 DER private key with AES key wrap with padding ' +
        '(RFC 5649), e.g. openssl enc -id-aes256-wrap-pad -K <temporary key hex> -iv A65959A6 -in private.der',
    );
  }
  try {
    let parsed;
    try {
      parsed = privateKeyFromDer(der);
    } catch {
      throw new CofferError('COFFER.8008', 'The unwrapped private key is not a PKCS#8 DER private key.');
    }
    const found = specOfKey(parsed);
    if (found !== spec) {
      throw new CofferError(
        'COFFER.8008',
        `Key ${key.key_id} is a ${spec} key, but the imported private key is ${found ?? `a ${parsed.asymmetricKeyType ?? 'unknown'} key Coffer does not support`}.`,
      );
    }
    return {
      privateKey: parsed.export({ type: 'pkcs8', format: 'der' }),
      publicKey: createPublicKey(parsed).export({ type: 'spki', format: 'der' }),
    };
  } finally {
    der.fill(0);
  }
}

function makeToken(context: MutationContext, tokenId: Buffer, keyId: string, expires: number): string {
  const body = Buffer.alloc(TOKEN_BODY_BYTES);
  body.writeUInt8(TOKEN_VERSION, 0);
  tokenId.copy(body, 1);
  uuidBytes(keyId).copy(body, 17);
  body.writeBigUInt64BE(BigInt(expires), 33);
  return Buffer.concat([body, context.tokenMac(body)]).toString('base64');
}

interface ImportToken {
  tokenId: string;
  keyId: string;
  expires: number;
}

function readToken(context: MutationContext, text: string): ImportToken {
  const raw = decodeBase64(text, 'KMS.2605', 'import_token');
  const invalid = new CofferError(
    'KMS.2605',
    'The import token is not one this vault issued (or it was altered): run get-parameters-for-import again.',
  );
  if (raw.length !== TOKEN_BODY_BYTES + 32 || raw[0] !== TOKEN_VERSION) throw invalid;
  const body = raw.subarray(0, TOKEN_BODY_BYTES);
  if (!timingSafeEqual(context.tokenMac(body), raw.subarray(TOKEN_BODY_BYTES))) throw invalid;
  const hex = body.subarray(17, 33).toString('hex');
  return {
    tokenId: body.subarray(1, 17).toString('hex'),
    keyId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
    expires: Number(body.readBigUInt64BE(33)),
  };
}

export async function getParametersForImport(
  vault: Vault,
  input: unknown,
): Promise<{ key_id: string; import_token: string; public_key: string; expiration_time: string; wrapping_algorithm: string }> {
  const request = parseRequest(GetParametersForImportRequest, input);
  const algorithm = request.wrapping_algorithm ?? WRAPPING_ALGORITHM;
  if (algorithm !== WRAPPING_ALGORITHM) {
    throw new CofferError(
      'KMS.0308',
      `Coffer wraps imported key material with ${WRAPPING_ALGORITHM} only; "${algorithm}" is not supported.`,
    );
  }
  // Key generation takes a moment: do it before taking the vault lock.
  const { publicKey, privateKey } = await generateRsaKeyPair('rsa', {
    modulusLength: RSA_BITS,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
  });
  return vault.mutate('get-parameters-for-import', (draft, context) => {
    const key = resolveKey(draft, request.key_id);
    context.subject(key.key_id);
    assertExternal(key);
    assertPendingImport(key);
    const tokenId = randomBytes(16);
    const expires = context.now + IMPORT_TOKEN_TTL_MS;
    // A newer set of parameters replaces the older one: only the newest token works.
    key.import = {
      fingerprint: key.import?.fingerprint ?? null,
      expiration: key.import?.expiration ?? null,
      pending: {
        token_id: tokenId.toString('hex'),
        private_key: context.sealSecret(`import|${key.key_id}`, privateKey),
        expires,
      },
    };
    privateKey.fill(0);
    return {
      result: {
        key_id: key.key_id,
        import_token: makeToken(context, tokenId, key.key_id, expires),
        public_key: publicKey.toString('base64'),
        expiration_time: String(expires),
        wrapping_algorithm: WRAPPING_ALGORITHM,
      },
      events: [{ operation: 'get-parameters-for-import', key_id: key.key_id, outcome: 'success' }],
    };
  });
}

export async function importKeyMaterial(vault: Vault, input: unknown): Promise<{ key_id: string; key_state: string }> {
  const request = parseRequest(ImportKeyMaterialRequest, input);
  const wrapped = decodeBase64(request.encrypted_key_material, 'KMS.0308', 'encrypted_key_material');
  const wrappedPrivateKey =
    request.encrypted_privatekey === undefined
      ? undefined
      : decodeBase64(request.encrypted_privatekey, 'KMS.0308', 'encrypted_privatekey');
  return vault.mutate('import-key-material', (draft, context) => {
    const key = resolveKey(draft, request.key_id);
    context.subject(key.key_id);
    assertExternal(key);
    const spec = keySpecOf(key);
    if (isAsymmetricSpec(spec) !== (wrappedPrivateKey !== undefined)) {
      throw new CofferError(
        isAsymmetricSpec(spec) ? 'KMS.0204' : 'KMS.0308',
        isAsymmetricSpec(spec)
          ? `Key ${key.key_id} is a ${spec} key: give its private key as encrypted_privatekey (--encrypted-privatekey), wrapped under the temporary key in encrypted_key_material.`
          : `Key ${key.key_id} is an AES_256 key: its material is encrypted_key_material alone, without encrypted_privatekey.`,
      );
    }
    const token = readToken(context, request.import_token);
    if (token.keyId !== key.key_id) {
      throw new CofferError(
        'KMS.2603',
        `The import token was issued for key ${token.keyId}, not ${key.key_id}: use the token of this key's parameters.`,
      );
    }
    if (token.expires <= context.now) {
      throw new CofferError(
        'KMS.2601',
        `The import token expired on ${new Date(token.expires).toISOString()}: run get-parameters-for-import again.`,
      );
    }
    assertPendingImport(key);
    const pending = key.import?.pending;
    if (!pending || pending.token_id !== token.tokenId) {
      throw new CofferError(
        'KMS.2605',
        'This import token was replaced by a newer get-parameters-for-import: use the newest token and public key.',
      );
    }
    const privateKey = context.openSecret(`import|${key.key_id}`, pending.private_key);
    if (!privateKey)
      throw new CofferError('KMS.0101', 'The stored import wrapping key does not open; run get-parameters-for-import again.');
    let material: Buffer;
    try {
      const rsaKey = createPrivateKey({ key: privateKey, format: 'der', type: 'pkcs8' });
      material = privateDecrypt({ key: rsaKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, wrapped);
    } catch {
      throw new CofferError(
        'KMS.2605',
        'The key material could not be unwrapped: wrap it with RSA-OAEP using SHA-256 (and MGF1 with SHA-256) under the public key of this token, ' +
          'for example: openssl pkeyutl -encrypt -pubin -keyform DER -inkey public.der -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256',
      );
    } finally {
      privateKey.fill(0);
    }
    if (isAsymmetricSpec(spec)) {
      let pair: { privateKey: Buffer; publicKey: Buffer };
      try {
        pair = unwrapPrivateKey(key, spec, material, wrappedPrivateKey!);
      } finally {
        material.fill(0);
      }
      try {
        const fingerprint = createHash('sha256').update(pair.publicKey).digest('hex');
        if (key.import?.fingerprint && key.import.fingerprint !== fingerprint) {
          throw new CofferError(
            'KMS.2606',
            `Key ${key.key_id} held another private key before: re-import exactly that key pair, or what it encrypted or signed would no longer match.`,
          );
        }
        if (request.expiration_time !== undefined && request.expiration_time <= context.now) {
          throw new CofferError('KMS.2602', 'The key material expiration time must be in the future (milliseconds since 1970).');
        }
        key.versions = [{ version: 1, created: context.now, material: context.sealMaterial(key.key_id, 1, pair.privateKey) }];
        key.public_key = pair.publicKey.toString('base64');
        key.state = KeyState.Enabled;
        key.import = { pending: null, fingerprint, expiration: request.expiration_time ?? null };
      } finally {
        pair.privateKey.fill(0);
      }
      return {
        result: { key_id: key.key_id, key_state: String(key.state) },
        events: [{ operation: 'import-key-material', key_id: key.key_id, key_version: 1, outcome: 'success' }],
      };
    }
    try {
      if (material.length !== MATERIAL_BYTES) {
        throw new CofferError(
          'KMS.2604',
          `Imported key material must be ${MATERIAL_BYTES} bytes (an AES-256 key); ${material.length} were unwrapped.`,
        );
      }
      const fingerprint = createHash('sha256').update(material).digest('hex');
      if (key.import?.fingerprint && key.import.fingerprint !== fingerprint) {
        throw new CofferError(
          'KMS.2606',
          `Key ${key.key_id} held other material before: re-import exactly that material, or data encrypted under it could never be decrypted.`,
        );
      }
      if (request.expiration_time !== undefined && request.expiration_time <= context.now) {
        throw new CofferError('KMS.2602', 'The key material expiration time must be in the future (milliseconds since 1970).');
      }
      key.versions = [{ version: 1, created: context.now, material: context.sealMaterial(key.key_id, 1, material) }];
      key.state = KeyState.Enabled;
      key.import = { pending: null, fingerprint, expiration: request.expiration_time ?? null };
    } finally {
      material.fill(0);
    }
    return {
      result: { key_id: key.key_id, key_state: String(key.state) },
      events: [{ operation: 'import-key-material', key_id: key.key_id, key_version: 1, outcome: 'success' }],
    };
  });
}

export async function deleteImportedKeyMaterial(vault: Vault, input: unknown): Promise<{ key_id: string; key_state: string }> {
  const { key_id } = parseRequest(KeyIdRequest, input);
  return vault.mutate('delete-imported-key-material', (draft, context) => {
    const key = resolveKey(draft, key_id);
    context.subject(key.key_id);
    assertExternal(key);
    if (key.state !== KeyState.Enabled && key.state !== KeyState.Disabled) {
      throw new CofferError(
        'KMS.2701',
        `Key ${key.key_id} is in state ${key.state}: only an Enabled or Disabled imported key has material to delete.`,
      );
    }
    deleteImportedMaterial(key);
    return {
      result: { key_id: key.key_id, key_state: String(key.state) },
      events: [{ operation: 'delete-imported-key-material', key_id: key.key_id, outcome: 'success' }],
    };
  });
}

export async function exportKeyMaterial(
  vault: Vault,
  input: unknown,
): Promise<{ key_id: string; key_version: number; key_material: string }> {
  const request = parseRequest(ExportKeyMaterialRequest, input);
  return vault.mutate('export-key-material', (draft, context) => {
    const key = resolveKey(draft, request.key_id);
    context.subject(key.key_id, request.key_version ?? key.versions.at(-1)?.version ?? null);
    if (!key.exportable) {
      throw new CofferError(
        'COFFER.3003',
        `Key ${key.key_id} was not created exportable, and that choice is permanent: its material never leaves the vault. ` +
          'Create a key with --exportable for data you need to open elsewhere.',
      );
    }
    if (key.state === KeyState.Disabled) {
      // Export is allowed for a disabled key: the owner may be moving away from Coffer.
    } else {
      assertUsable(key);
    }
    const version =
      request.key_version === undefined ? key.versions.at(-1) : key.versions.find((v) => v.version === request.key_version);
    if (!version) throw new CofferError('KMS.0207', `Key ${key.key_id} has no version ${String(request.key_version)}.`);
    const material = context.openMaterial(key.key_id, version.version, sealedMaterial(key, version));
    try {
      return {
        result: { key_id: key.key_id, key_version: version.version, key_material: material.toString('base64') },
        events: [{ operation: 'export-key-material', key_id: key.key_id, key_version: version.version, outcome: 'success' }],
      };
    } finally {
      material.fill(0);
    }
  });
}
