import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { CofferError } from '../../../shared/errors.js';
import { canonicalJson } from './canonical-json.js';
import { KEY_LIMITS } from '../../../shared/key-types.js';
import { KEY_SPECS, KEY_USAGES } from '../../../shared/key-specs.js';
import { ScryptParamsSchema } from './passphrase-kdf.js';
import { TpmSealedSchema } from './tpm-sealing.js';

/** The vault file's shape. Everything but `mac` is covered by an HMAC keyed from the vault master key. */
export const VAULT_FORMAT = 'coffer-vault';
export const VAULT_FORMAT_VERSION = 1;

const Millis = z.number().int().nonnegative();
const Uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

/** A key version's object inside a PKCS#11 token: found by CKA_ID; the label is for people. */
export const TokenObjectSchema = z.strictObject({
  cka_id: z.string().regex(/^[0-9a-f]{32}$/),
  label: z.string().min(1).max(64),
});
export type TokenObject = z.infer<typeof TokenObjectSchema>;

export const KeyVersionSchema = z
  .strictObject({
    version: z.number().int().min(1),
    created: Millis,
    /** AES-256-GCM box of the key material under the VMK's material subkey: 32 bytes (AES_256), PKCS#8 DER (key pairs). */
    material: z.string().min(1).optional(),
    /** For a key in a key store: the AES-256 key generated inside the token (the vault holds no material). */
    token_object: TokenObjectSchema.optional(),
  })
  .refine((v) => (v.material === undefined) !== (v.token_object === undefined), {
    message: 'a key version holds either sealed material or a token object reference',
  });
export type KeyVersion = z.infer<typeof KeyVersionSchema>;

export const KeyRecordSchema = z.strictObject({
  key_id: Uuid,
  alias: z.string().regex(KEY_LIMITS.aliasPattern),
  description: z.string().max(KEY_LIMITS.descriptionMax),
  origin: z.enum(['kms', 'external']),
  exportable: z.boolean(),
  tags: z.record(z.string(), z.string()),
  state: z.union([z.literal(2), z.literal(3), z.literal(4), z.literal(5)]),
  created: Millis,
  scheduled_deletion: Millis.nullable(),
  rotation: z.strictObject({
    enabled: z.boolean(),
    interval_days: z.number().int().min(KEY_LIMITS.rotationIntervalMin).max(KEY_LIMITS.rotationIntervalMax),
    enabled_at: Millis.nullable(),
    last_rotation: Millis.nullable(),
    count: z.number().int().nonnegative(),
  }),
  versions: z.array(KeyVersionSchema),
  /** For a key inside a PKCS#11 token: the key store (state.key_stores) whose token holds it. */
  key_store_id: Uuid.optional(),
  /** Absent on keys made before asymmetric keys: AES_256 and ENCRYPT_DECRYPT. */
  key_spec: z.enum(KEY_SPECS).optional(),
  key_usage: z.enum(KEY_USAGES).optional(),
  /**
   * Another tool's name for the key (ESDK keyring namespace and key name), for imported keys
   * that open that tool's files; absent for keys named by Coffer's own scheme.
   */
  key_namespace: z.string().min(1).max(255).optional(),
  key_name: z.string().min(1).max(255).optional(),
  /** An asymmetric key's public key (SubjectPublicKeyInfo DER, Base64), once it has material. */
  public_key: z.string().min(1).optional(),
  /** Only for origin "external": the pending import parameters and what was imported. */
  import: z
    .strictObject({
      pending: z
        .strictObject({
          token_id: z.string().regex(/^[0-9a-f]{32}$/),
          /** The RSA wrapping key's private half (PKCS#8 DER), sealed under the vault's secrets subkey. */
          private_key: z.string().min(1),
          expires: Millis,
        })
        .nullable(),
      /** SHA-256 of the material once imported: a re-import must bring the same material. */
      fingerprint: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .nullable(),
      expiration: Millis.nullable(),
    })
    .optional(),
});
export type KeyRecord = z.infer<typeof KeyRecordSchema>;

/** A vault key version's sealed material; a token key's material never leaves its token. */
export function sealedMaterial(key: Pick<KeyRecord, 'key_id'>, version: KeyVersion): string {
  if (version.material === undefined) {
    throw new CofferError(
      'COFFER.3003',
      `Key ${key.key_id} lives inside a key store's token: its material never leaves the token, so it cannot be exported or backed up.`,
    );
  }
  return version.material;
}

/**
 * A deleted token key's objects still to be destroyed in its key store's token (the token was
 * absent, or its PIN not at hand, when the deletion date passed). Cleared once they are gone.
 */
export const TokenCleanupSchema = z.strictObject({
  key_store_id: Uuid,
  objects: z.array(TokenObjectSchema).min(1),
});
export type TokenCleanup = z.infer<typeof TokenCleanupSchema>;

/** What is left of a key once its scheduled deletion has passed: enough to say so, no material. */
export const DeletedKeySchema = z.strictObject({
  key_id: Uuid,
  alias: z.string(),
  deleted: Millis,
  /** Only for a token key whose token objects are not destroyed yet. */
  token_cleanup: TokenCleanupSchema.optional(),
});
export type DeletedKey = z.infer<typeof DeletedKeySchema>;

/** Someone files can be encrypted for: their RSA public key and the name their Coffer knows it by. */
export const ContactSchema = z.strictObject({
  name: z.string().min(1).max(64),
  key_spec: z.enum(['RSA_2048', 'RSA_3072', 'RSA_4096']),
  key_namespace: z.string().min(1).max(255),
  key_name: z.string().min(1).max(255),
  /** SubjectPublicKeyInfo DER, Base64. */
  public_key: z.string().min(1),
  fingerprint: z.string().min(1),
  added: Millis,
});
export type Contact = z.infer<typeof ContactSchema>;

export const AuditAnchorSchema = z.strictObject({
  seq: z.number().int().nonnegative(),
  mac: z.string().regex(/^[0-9a-f]{64}$/),
});
export type AuditAnchor = z.infer<typeof AuditAnchorSchema>;

/**
 * Where the PIN of a key store's token is kept: the OS keychain (keychain vaults), sealed in the
 * vault under its secrets subkey (passphrase and TPM vaults), or nowhere (asked for each use).
 */
export const KeyStorePinSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('keychain'), service: z.string().min(1), account: z.string().min(1) }),
  z.strictObject({ mode: z.literal('sealed'), box: z.string().min(1) }),
  z.strictObject({ mode: z.literal('ask') }),
]);
export type KeyStorePin = z.infer<typeof KeyStorePinSchema>;

/** A key store (Huawei's dedicated key store, AWS's custom key store): one PKCS#11 token. */
export const KeyStoreRecordSchema = z.strictObject({
  key_store_id: Uuid,
  alias: z.string().regex(/^[a-zA-Z0-9:/_-]{1,64}$/),
  module_path: z.string().min(1).max(4096),
  token_label: z.string().min(1).max(32),
  token_serial: z.string().max(16),
  token_model: z.string().max(16),
  created: Millis,
  pin: KeyStorePinSchema,
});
export type KeyStoreRecord = z.infer<typeof KeyStoreRecordSchema>;

export const VaultStateSchema = z.strictObject({
  generation: z.number().int().min(1),
  updated: Millis,
  keys: z.array(KeyRecordSchema),
  deleted: z.array(DeletedKeySchema),
  /** Absent in vaults that never had a contact. */
  contacts: z.array(ContactSchema).optional(),
  audit_anchor: AuditAnchorSchema.nullable(),
  /** Absent in vaults that never had a key store. */
  key_stores: z.array(KeyStoreRecordSchema).optional(),
});
export type VaultState = z.infer<typeof VaultStateSchema>;

export const ProtectionSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('keychain'), service: z.string().min(1), account: z.string().min(1) }),
  z.strictObject({ mode: z.literal('passphrase'), kdf: ScryptParamsSchema, sealed_vmk: z.string().min(1) }),
  z.strictObject({ mode: z.literal('tpm'), sealed_vmk: TpmSealedSchema }),
]);
export type Protection = z.infer<typeof ProtectionSchema>;

export const VaultFileSchema = z.strictObject({
  format: z.literal(VAULT_FORMAT),
  format_version: z.literal(VAULT_FORMAT_VERSION),
  vault_id: Uuid,
  created: Millis,
  protection: ProtectionSchema,
  /** HMAC(VMK, vault id): tells a wrong master key apart from a tampered file. */
  vmk_check: z.string().regex(/^[0-9a-f]{64}$/),
  /** The VMK sealed under a key derived from the recovery code shown once at init. */
  recovery: z.strictObject({ sealed_vmk: z.string().min(1) }),
  state: VaultStateSchema,
  mac: z.string().regex(/^[0-9a-f]{64}$/),
});
export type VaultFile = z.infer<typeof VaultFileSchema>;
export type UnsignedVaultFile = Omit<VaultFile, 'mac'>;

// RFC 8785 canonical JSON, so the MAC does not depend on key order or spacing.
function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}

export function vaultMac(macKey: Buffer, file: UnsignedVaultFile): string {
  return createHmac('sha256', macKey).update(canonicalBytes(file)).digest('hex');
}

export function signVaultFile(macKey: Buffer, file: UnsignedVaultFile): VaultFile {
  return { ...file, mac: vaultMac(macKey, file) };
}

export function vaultMacMatches(macKey: Buffer, file: VaultFile): boolean {
  const { mac, ...unsigned } = file;
  const expected = Buffer.from(vaultMac(macKey, unsigned), 'hex');
  return timingSafeEqual(expected, Buffer.from(mac, 'hex'));
}

export function serializeVaultFile(file: VaultFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}
