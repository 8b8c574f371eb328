import { CofferError } from '../../../shared/errors.js';
import { privateKeyFromDer, publicKeyFromDer, rsaModulusBytes } from '../crypto/asymmetric-keys.js';
import { oaepDecryptAnyHash, oaepEncrypt } from '../crypto/rsa-oaep.js';
import type { EncryptedDataKey } from '../envelope/message-header.js';
import type { Keyring } from './keyring.js';

/**
 * Files for other people, as the ESDK's raw RSA keyring makes them (framework/raw-rsa-keyring.md):
 *   provider id   = the recipient key's namespace
 *   provider info = its key name (UTF-8), nothing else
 *   ciphertext    = RSA-OAEP(public key, DEK) with SHA-256 and MGF1-SHA-256: exactly the
 *                   modulus size, so the header's length is known before the key is used.
 * The padding is not recorded in the EDK, so opening one tries SHA-1, 256, 384 and 512.
 */
export interface RsaRecipient {
  /** Who it is, for errors ("contact alice"). */
  label: string;
  namespace: string;
  keyName: string;
  /** SubjectPublicKeyInfo DER of an RSA public key. */
  publicKey: Buffer;
}

/** A keyring that only encrypts: one raw RSA EDK per recipient, in order. */
export function rsaRecipientsKeyring(recipients: readonly RsaRecipient[]): Keyring {
  const keys = recipients.map((r) => ({ recipient: r, key: publicKeyFromDer(r.publicKey) }));
  return {
    description: recipients.map((r) => r.label).join(', '),
    placeholders: keys.map(({ recipient, key }) => ({
      providerId: recipient.namespace,
      providerInfo: Buffer.from(recipient.keyName, 'utf8'),
      ciphertext: Buffer.alloc(rsaModulusBytes(key)),
    })),
    async wrap(dek) {
      return keys.map(({ recipient, key }) => ({
        providerId: recipient.namespace,
        providerInfo: Buffer.from(recipient.keyName, 'utf8'),
        ciphertext: oaepEncrypt(key, dek, 'sha256'),
      }));
    },
    claims: () => false,
    unwrap() {
      return Promise.reject(
        new CofferError('COFFER.2006', "A recipient's public key cannot open a file: only the holder of the private key can."),
      );
    },
  };
}

/** Whether an EDK names this key as a raw RSA keyring names it (exact match, as the ESDK checks). */
export function namesRsaKey(edk: EncryptedDataKey, namespace: string, keyName: string): boolean {
  return edk.providerId === namespace && edk.providerInfo.equals(Buffer.from(keyName, 'utf8'));
}

/** The data key of a raw RSA EDK under a private key (PKCS#8 DER), or null when it does not open. */
export function unwrapRsaDataKey(privateKeyDer: Buffer, edk: EncryptedDataKey): Buffer | null {
  const key = privateKeyFromDer(privateKeyDer);
  if (key.asymmetricKeyType !== 'rsa' || edk.ciphertext.length !== rsaModulusBytes(key)) return null;
  return oaepDecryptAnyHash(key, edk.ciphertext);
}
