import * as z from 'zod';
import { CofferError } from '../../../shared/errors.js';
import { publicKeyFingerprint, publicKeyFromDer, publicKeyPem, specOfKey } from '../crypto/asymmetric-keys.js';

/**
 * The file `get-publickey --out` writes for others: an RSA public key with what a sender needs to
 * name the EDK so that its owner's Coffer finds the key (the keyring namespace and key name), and
 * a fingerprint to compare over another channel. JSON, so it survives e-mail and pasting.
 */
export const PUBLIC_KEY_FILE_FORMAT = 'coffer-public-key';
const MAX_TEXT = 64 * 1024;

const PublicKeyFileSchema = z.strictObject({
  format: z.literal(PUBLIC_KEY_FILE_FORMAT),
  version: z.literal(1),
  key_spec: z.enum(['RSA_2048', 'RSA_3072', 'RSA_4096']),
  key_namespace: z.string().min(1).max(255),
  key_name: z.string().min(1).max(255),
  /** PEM, SubjectPublicKeyInfo. */
  public_key: z.string().min(1).max(8192),
  fingerprint: z.string().min(1).max(100),
});

export interface RecipientKey {
  keySpec: 'RSA_2048' | 'RSA_3072' | 'RSA_4096';
  keyNamespace: string;
  keyName: string;
  /** SubjectPublicKeyInfo DER. */
  publicKey: Buffer;
  fingerprint: string;
}

export function writePublicKeyFile(key: RecipientKey): string {
  return `${JSON.stringify(
    {
      format: PUBLIC_KEY_FILE_FORMAT,
      version: 1,
      key_spec: key.keySpec,
      key_namespace: key.keyNamespace,
      key_name: key.keyName,
      public_key: publicKeyPem(key.publicKey),
      fingerprint: key.fingerprint,
    },
    null,
    2,
  )}\n`;
}

function damaged(detail: string): CofferError {
  return new CofferError(
    'COFFER.8004',
    `This is not a usable Coffer public key file: ${detail}. Ask its owner for a new one (coffer get-publickey --key-id K --out FILE).`,
  );
}

/** Reads a public key file (or its pasted text), checking that the key, its spec and its fingerprint agree. */
export function readPublicKeyFile(text: string): RecipientKey {
  if (text.length > MAX_TEXT) throw damaged(`it is over ${MAX_TEXT} characters`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw damaged('it is not JSON (it was cut short or altered)');
  }
  const parsed = PublicKeyFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw damaged(`${issue?.path.join('.') || 'its top level'}: ${issue?.message ?? 'invalid'}`);
  }
  const file = parsed.data;
  let der: Buffer;
  try {
    der = publicKeyFromDer(publicKeyFromPemToDer(file.public_key)).export({ type: 'spki', format: 'der' });
  } catch {
    throw damaged('its public_key is not a PEM public key');
  }
  const spec = specOfKey(publicKeyFromDer(der));
  if (spec !== file.key_spec)
    throw damaged(`it says ${file.key_spec}, but its key is ${spec ?? 'not an RSA key Coffer supports'}`);
  const fingerprint = publicKeyFingerprint(der);
  if (fingerprint !== file.fingerprint)
    throw damaged('its fingerprint does not match its key (the key or the fingerprint was altered)');
  return { keySpec: spec, keyNamespace: file.key_namespace, keyName: file.key_name, publicKey: der, fingerprint };
}

function publicKeyFromPemToDer(pem: string): Buffer {
  const body = /-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\s]+)-----END PUBLIC KEY-----/.exec(pem);
  if (!body) throw new Error('not PEM');
  return Buffer.from(body[1]!.replace(/\s+/g, ''), 'base64');
}
