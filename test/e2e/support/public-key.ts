import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { publicKeyFingerprint } from '../../../electron/core/crypto/asymmetric-keys.js';
import { writePublicKeyFile } from '../../../electron/core/keyrings/public-key-file.js';

/**
 * The public key file of someone else's Coffer (a fresh RSA 2048 key pair made here), as their
 * "Save my public key" writes it: for seeding a contact without a second vault.
 */
export function someonesPublicKeyFile(): string {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return writePublicKeyFile({
    keySpec: 'RSA_2048',
    keyNamespace: 'coffer',
    keyName: randomUUID(),
    publicKey: der,
    fingerprint: publicKeyFingerprint(der),
  });
}
