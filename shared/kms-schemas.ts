import * as z from 'zod';
import { CofferError, isErrorCode } from './errors.js';
import { ENCRYPTION_ALGORITHMS, KEY_SPECS, KEY_USAGES, MESSAGE_TYPES, SIGNING_ALGORITHMS } from './key-specs.js';

/**
 * Request shapes of the key operations, shared by the CLI, the IPC bridge and the core.
 * Types are checked here; the KMS rules (alias pattern, day ranges) are checked by the core,
 * so that every face gets the same KMS code for the same mistake.
 */
const KeyRef = z.string().min(1).max(300);
const Tags = z.record(z.string(), z.string());

export const CreateKeyRequest = z.strictObject({
  key_alias: z.string(),
  key_description: z.string().optional(),
  origin: z.enum(['kms', 'external']).optional(),
  exportable: z.boolean().optional(),
  tags: Tags.optional(),
  key_spec: z.enum(KEY_SPECS).optional(),
  key_usage: z.enum(KEY_USAGES).optional(),
  key_namespace: z.string().optional(),
  key_name: z.string().optional(),
  /** Huawei's keystore_id: make the key inside this key store's token (its id or alias). */
  keystore_id: z.string().min(1).max(255).optional(),
});
export const KeyIdRequest = z.strictObject({ key_id: KeyRef });
export const ListKeysRequest = z.strictObject({
  limit: z.number().optional(),
  marker: z.string().optional(),
  key_state: z.number().optional(),
});
export const ScheduleKeyDeletionRequest = z.strictObject({ key_id: KeyRef, pending_days: z.number() });
export const UpdateKeyAliasRequest = z.strictObject({ key_id: KeyRef, key_alias: z.string() });
export const UpdateKeyDescriptionRequest = z.strictObject({ key_id: KeyRef, key_description: z.string() });
export const EnableKeyRotationRequest = z.strictObject({ key_id: KeyRef, rotation_interval: z.number().optional() });
export const UpdateKeyRotationIntervalRequest = z.strictObject({ key_id: KeyRef, rotation_interval: z.number() });

export type CreateKeyRequest = z.infer<typeof CreateKeyRequest>;
export type KeyIdRequest = z.infer<typeof KeyIdRequest>;
export type ListKeysRequest = z.infer<typeof ListKeysRequest>;
export type ScheduleKeyDeletionRequest = z.infer<typeof ScheduleKeyDeletionRequest>;
export type UpdateKeyAliasRequest = z.infer<typeof UpdateKeyAliasRequest>;
export type UpdateKeyDescriptionRequest = z.infer<typeof UpdateKeyDescriptionRequest>;
export type EnableKeyRotationRequest = z.infer<typeof EnableKeyRotationRequest>;
export type UpdateKeyRotationIntervalRequest = z.infer<typeof UpdateKeyRotationIntervalRequest>;

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** Validates a request at a boundary; a missing field is KMS.0204, a wrong one KMS.0308, each named. */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') || 'request';
  // A rule with a code of its own (a frame length, a file job without a key) says it in its params.
  const own = issue?.code === 'custom' ? (issue.params as { coffer_code?: unknown } | undefined)?.coffer_code : undefined;
  if (typeof own === 'string' && isErrorCode(own)) throw new CofferError(own, issue!.message);
  if (issue?.code === 'invalid_type' && valueAt(input, issue.path) === undefined) {
    throw new CofferError('KMS.0204', `The parameter "${field}" is missing.`);
  }
  if (issue?.code === 'unrecognized_keys') {
    throw new CofferError('KMS.0308', `Unknown parameter(s): ${issue.keys.join(', ')}.`);
  }
  throw new CofferError('KMS.0308', `The parameter "${field}" is not valid: ${issue?.message ?? 'invalid'}.`);
}

/** Numbers may come as JSON numbers or, as Huawei KMS sends them, numeric strings. */
const Count = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+$/)
    .transform(Number),
]);
const Context = z.unknown().optional();

export const EncryptDataRequest = z.strictObject({
  key_id: KeyRef,
  plain_text: z.string().optional(),
  plain_text_base64: z.string().optional(),
  encryption_context: Context,
  encryption_algorithm: z.enum(ENCRYPTION_ALGORITHMS).optional(),
});
export const DecryptDataRequest = z.strictObject({
  cipher_text: z.string(),
  encryption_context: Context,
  /** Needed for asymmetric keys only: an RSA-OAEP ciphertext does not name its key. */
  key_id: KeyRef.optional(),
  encryption_algorithm: z.enum(ENCRYPTION_ALGORITHMS).optional(),
});
export const CreateDatakeyRequest = z.strictObject({
  key_id: KeyRef,
  datakey_length: Count.optional(),
  key_spec: z.enum(['AES_256', 'AES_128']).optional(),
  encryption_context: Context,
});
export const EncryptDatakeyRequest = z.strictObject({
  key_id: KeyRef,
  plain_text: z.string(),
  datakey_plain_length: Count,
  encryption_context: Context,
});
export const DecryptDatakeyRequest = z.strictObject({
  cipher_text: z.string(),
  datakey_cipher_length: Count.optional(),
  encryption_context: Context,
});
export const ReEncryptDataRequest = z.strictObject({
  cipher_text: z.string(),
  encryption_context: Context,
  destination_key_id: KeyRef.optional(),
  destination_encryption_context: Context,
});
export const GenRandomRequest = z.strictObject({ random_data_length: Count });
export const GetParametersForImportRequest = z.strictObject({
  key_id: KeyRef,
  wrapping_algorithm: z.string().optional(),
});
export const ImportKeyMaterialRequest = z.strictObject({
  key_id: KeyRef,
  import_token: z.string(),
  encrypted_key_material: z.string(),
  /** Asymmetric keys: the PKCS#8 private key wrapped (RFC 5649) under the key encrypted_key_material carries. */
  encrypted_privatekey: z.string().optional(),
  expiration_time: Count.optional(),
});
export const SignRequest = z.strictObject({
  key_id: KeyRef,
  message: z.string(),
  signing_algorithm: z.enum(SIGNING_ALGORITHMS),
  message_type: z.enum(MESSAGE_TYPES).optional(),
});
export const ValidateSignatureRequest = z.strictObject({
  key_id: KeyRef,
  message: z.string(),
  signature: z.string(),
  signing_algorithm: z.enum(SIGNING_ALGORITHMS),
  message_type: z.enum(MESSAGE_TYPES).optional(),
});
export const ExportKeyMaterialRequest = z.strictObject({ key_id: KeyRef, key_version: Count.optional() });
