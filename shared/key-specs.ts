/**
 * Key specs, usages and algorithms of Huawei KMS's asymmetric CMKs, by Huawei's names. Shared by
 * the CLI, the IPC contract and the core, so every face offers and checks the same values.
 */
export const KEY_SPECS = ['AES_256', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_P256', 'EC_P384'] as const;
export type KeySpec = (typeof KEY_SPECS)[number];
export type AsymmetricKeySpec = Exclude<KeySpec, 'AES_256'>;

export const KEY_USAGES = ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'] as const;
export type KeyUsage = (typeof KEY_USAGES)[number];

export const SIGNING_ALGORITHMS = [
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
  'ECDSA_SHA_256',
  'ECDSA_SHA_384',
] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** The algorithms a key spec signs with: RSA keys the RSASSA ones, each curve ECDSA with its own hash. */
export function signingAlgorithmsFor(spec: AsymmetricKeySpec): SigningAlgorithm[] {
  if (spec === 'EC_P256') return ['ECDSA_SHA_256'];
  if (spec === 'EC_P384') return ['ECDSA_SHA_384'];
  return SIGNING_ALGORITHMS.filter((a) => a.startsWith('RSASSA_'));
}

/** The hash a signing algorithm digests with (its name's last part): what a DIGEST message must be. */
export function signingHashOf(algorithm: SigningAlgorithm): 'sha256' | 'sha384' | 'sha512' {
  return `sha${algorithm.slice(-3)}` as 'sha256' | 'sha384' | 'sha512';
}

export const MESSAGE_TYPES = ['RAW', 'DIGEST'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** encrypt-data's algorithms: AES-GCM for AES_256 keys, RSA-OAEP with SHA-256 for RSA keys. */
export const ENCRYPTION_ALGORITHMS = ['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_256'] as const;
export type EncryptionAlgorithm = (typeof ENCRYPTION_ALGORITHMS)[number];

export function isAsymmetricSpec(spec: KeySpec): spec is AsymmetricKeySpec {
  return spec !== 'AES_256';
}

export function isRsaSpec(spec: KeySpec): spec is 'RSA_2048' | 'RSA_3072' | 'RSA_4096' {
  return spec.startsWith('RSA_');
}

/** The namespace (ESDK provider id) of every key Coffer names itself. */
export const COFFER_KEY_NAMESPACE = 'coffer';
