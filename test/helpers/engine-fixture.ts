import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { CofferError } from '../../shared/errors.js';
import type { EncryptedDataKey } from '../../electron/core/envelope/message-header.js';
import type { Keyring } from '../../electron/core/keyrings/keyring.js';
import type { RequestKeyrings } from '../../electron/core/keyrings/request-keyrings.js';
import { edkReference, unwrapDataKey, wrapDataKey, wrappedKeyPlaceholder } from '../../electron/core/keyrings/raw-aes-keyring.js';

/**
 * A keyring holding one CMK's material in memory: the envelope engine with no vault around it,
 * for tests that decrypt thousands of tampered files. Vault-backed keyrings are tested too.
 */
export function memoryKeyring(
  material = randomBytes(32),
  keyId: string = randomUUID(),
  version = 1,
): Keyring & { material: Buffer; keyId: string } {
  return {
    material,
    keyId,
    description: `memory key ${keyId}`,
    placeholders: [wrappedKeyPlaceholder()],
    claims: (edk) => edkReference(edk)?.keyId === keyId,
    wrap: async (dek, contextBytes) => [wrapDataKey(material, { keyId, version }, dek, contextBytes)],
    unwrap: async (edks: readonly EncryptedDataKey[], contextBytes) => {
      for (const edk of edks) {
        if (edkReference(edk)?.keyId !== keyId) continue;
        const dek = unwrapDataKey(material, edk, contextBytes);
        if (dek) return dek;
        throw new CofferError('COFFER.2003', 'The data key does not open: the header was altered.');
      }
      throw new CofferError('COFFER.2006', 'No key here can open this file.');
    },
  };
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** Keyrings for the runner that are ready at once: the memory keys above, whatever the request names. */
export function fixedKeyrings(encrypt: Keyring, decrypt: Keyring = encrypt): RequestKeyrings {
  return { ready: Promise.resolve(), forRequest: () => ({ encrypt, decrypt, release: () => undefined }) };
}

/**
 * The test vectors' "static" keyring: it hands back the data key the vector lists, whatever the
 * EDKs (which may name AWS KMS keys). It only decrypts.
 */
export function staticKeyring(dataKey: Buffer): Keyring {
  return {
    description: 'the vector data key',
    placeholders: [],
    claims: () => true,
    wrap: () => Promise.reject(new Error('a static keyring only decrypts')),
    unwrap: async () => Buffer.from(dataKey),
  };
}
