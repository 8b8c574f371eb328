import { CofferError } from '../../../shared/errors.js';
import { isAsymmetricSpec, isRsaSpec, type AsymmetricKeySpec, type KeyUsage } from '../../../shared/key-specs.js';
import { KeyIdRequest, SignRequest, ValidateSignatureRequest, parseRequest } from '../../../shared/kms-schemas.js';
import { privateKeyFromDer, publicKeyFromDer, publicKeyPem, rsaModulusBytes } from '../crypto/asymmetric-keys.js';
import { oaepDecrypt, oaepEncrypt, oaepMaxPlaintext } from '../crypto/rsa-oaep.js';
import { signMessage, verifySignature } from '../crypto/signatures.js';
import { decodeBase64 } from '../crypto/strict-encoding.js';
import { assertUsable, keySpecOf, keyUsageOf, resolveKey } from '../vault/key-lifecycle.js';
import type { KeyRecord, VaultState } from '../vault/vault-file.js';
import type { Vault } from '../vault/vault.js';

/**
 * Huawei KMS's operations on asymmetric CMKs: get-publickey, sign, validate-signature, and
 * encrypt-data / decrypt-data with RSAES_OAEP_SHA_256. The private key (PKCS#8 DER) is the key's
 * sealed material and is opened only inside the vault's lock for one use, which is audited.
 */
const MAX_MESSAGE_BYTES = 4096;

/** The key as an asymmetric key of the given usage, or the refusal that says why not. */
export function assertAsymmetric(key: Readonly<KeyRecord>, usage: KeyUsage, operation: string): AsymmetricKeySpec {
  const spec = keySpecOf(key);
  if (!isAsymmetricSpec(spec)) {
    throw new CofferError(
      'COFFER.8003',
      `Key ${key.key_id} is a symmetric ${spec} key: ${operation} needs an asymmetric key (create one with --key-spec RSA_3072 or EC_P256).`,
    );
  }
  if (keyUsageOf(key) !== usage) {
    throw new CofferError(
      'COFFER.8003',
      `Key ${key.key_id} has key usage ${keyUsageOf(key)}: ${operation} needs a key created with --key-usage ${usage}.`,
    );
  }
  return spec;
}

function publicKeyOf(key: Readonly<KeyRecord>): Buffer {
  if (key.versions.length === 0 || key.public_key === undefined) {
    throw new CofferError(
      'COFFER.3001',
      `Key ${key.key_id} has no key pair yet (Pending import): import its private key with \`coffer import-key-material\` first.`,
    );
  }
  return Buffer.from(key.public_key, 'base64');
}

function decodeMessage(text: string): Buffer {
  const message = decodeBase64(text, 'KMS.0308', 'message');
  if (message.length > MAX_MESSAGE_BYTES) {
    throw new CofferError(
      'KMS.0308',
      `The message is ${message.length} bytes; sign takes at most ${MAX_MESSAGE_BYTES}. For more, sign its digest (message_type DIGEST).`,
    );
  }
  return message;
}

/** Huawei's get-publickey: the public key as PEM (SubjectPublicKeyInfo). Reading it is not a use of the key. */
export async function getPublicKey(vault: Vault, input: unknown): Promise<{ key_id: string; public_key: string }> {
  const { key_id } = parseRequest(KeyIdRequest, input);
  const state = await vault.refresh();
  const key = resolveKey(state as VaultState, key_id);
  if (!isAsymmetricSpec(keySpecOf(key))) {
    throw new CofferError(
      'COFFER.8003',
      `Key ${key.key_id} is a symmetric key: it has no public key. get-publickey needs an RSA or EC key.`,
    );
  }
  return { key_id: key.key_id, public_key: publicKeyPem(publicKeyOf(key)) };
}

export async function sign(vault: Vault, input: unknown): Promise<{ key_id: string; signature: string }> {
  const request = parseRequest(SignRequest, input);
  const message = decodeMessage(request.message);
  return vault.useKeyMaterial('sign', request.key_id, (material, key) => {
    const spec = assertAsymmetric(key, 'SIGN_VERIFY', 'sign');
    const signature = signMessage(
      privateKeyFromDer(material),
      spec,
      request.signing_algorithm,
      request.message_type ?? 'DIGEST',
      message,
    );
    return { key_id: key.key_id, signature: signature.toString('base64') };
  });
}

export async function validateSignature(vault: Vault, input: unknown): Promise<{ key_id: string; signature_valid: string }> {
  const request = parseRequest(ValidateSignatureRequest, input);
  const message = decodeMessage(request.message);
  const signature = decodeBase64(request.signature, 'KMS.0308', 'signature');
  return vault.mutate('validate-signature', (draft, context) => {
    const key = resolveKey(draft, request.key_id);
    context.subject(key.key_id, key.versions.at(-1)?.version ?? null);
    assertUsable(key);
    const spec = assertAsymmetric(key, 'SIGN_VERIFY', 'validate-signature');
    const valid = verifySignature(
      publicKeyFromDer(publicKeyOf(key)),
      spec,
      request.signing_algorithm,
      request.message_type ?? 'DIGEST',
      message,
      signature,
    );
    return {
      result: { key_id: key.key_id, signature_valid: String(valid) },
      events: [
        {
          operation: 'validate-signature',
          key_id: key.key_id,
          key_version: key.versions.at(-1)?.version ?? null,
          outcome: 'success',
          detail: `${request.signing_algorithm}: signature ${valid ? 'valid' : 'invalid'}`,
        },
      ],
    };
  });
}

function refuseContext(contextGiven: boolean): void {
  if (contextGiven) {
    throw new CofferError(
      'KMS.0208',
      'RSAES_OAEP_SHA_256 ciphertexts carry no encryption context (as in Huawei KMS): leave encryption_context out, or use an AES_256 key.',
    );
  }
}

/** encrypt-data under an RSA key: RSA-OAEP (SHA-256, MGF1-SHA-256) with its public key. */
export async function encryptDataRsa(
  vault: Vault,
  keyRef: string,
  plaintext: Buffer,
  contextGiven: boolean,
): Promise<{ key_id: string; key_version: number; cipher_text: string }> {
  refuseContext(contextGiven);
  return vault.mutate('encrypt-data', (draft, context) => {
    const key = resolveKey(draft, keyRef);
    context.subject(key.key_id, key.versions.at(-1)?.version ?? null);
    assertUsable(key);
    const spec = assertAsymmetric(key, 'ENCRYPT_DECRYPT', 'encrypt-data with RSAES_OAEP_SHA_256');
    if (!isRsaSpec(spec)) throw new CofferError('COFFER.8003', `Key ${key.key_id} is an ${spec} key: only RSA keys encrypt.`);
    const publicKey = publicKeyFromDer(publicKeyOf(key));
    const limit = oaepMaxPlaintext(rsaModulusBytes(publicKey));
    if (plaintext.length > limit) {
      throw new CofferError(
        'KMS.2101',
        `The plain_text is ${plaintext.length} bytes; a ${spec} key encrypts at most ${limit} bytes with RSAES_OAEP_SHA_256. ` +
          'For more, use an AES_256 key or encrypt-file --recipient.',
      );
    }
    const version = key.versions.at(-1)!.version;
    return {
      result: { key_id: key.key_id, key_version: version, cipher_text: oaepEncrypt(publicKey, plaintext).toString('base64') },
      events: [{ operation: 'encrypt-data', key_id: key.key_id, key_version: version, outcome: 'success' }],
    };
  });
}

export async function decryptDataRsa(
  vault: Vault,
  keyRef: string,
  ciphertext: Buffer,
  contextGiven: boolean,
): Promise<{ key_id: string; key_version: number; plaintext: Buffer }> {
  refuseContext(contextGiven);
  return vault.useKeyMaterial('decrypt-data', keyRef, (material, key, version) => {
    assertAsymmetric(key, 'ENCRYPT_DECRYPT', 'decrypt-data with RSAES_OAEP_SHA_256');
    const plaintext = oaepDecrypt(privateKeyFromDer(material), ciphertext);
    if (!plaintext) {
      throw new CofferError(
        'KMS.0311',
        `The cipher_text does not decrypt with key ${key.key_id}'s RSA private key (RSAES_OAEP_SHA_256): it was made under another key or altered.`,
      );
    }
    return { key_id: key.key_id, key_version: version, plaintext };
  });
}
