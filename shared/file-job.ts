import * as z from 'zod';
import { MAX_ENCRYPTED_DATA_KEYS_LIMIT, MAX_FRAME_LENGTH, MIN_FRAME_LENGTH } from './file-format.js';
import type { ErrorCode } from './errors.js';
import { parseRequest } from './kms-schemas.js';

/**
 * The one request for a file job, whichever face starts it (the CLI, the agent, the app): what to
 * do, to which paths, where the outputs go and with which keys. It is checked once, before any
 * file is touched, by parseFileJob (shared/kms-schemas.ts's parseRequest), so a bad frame length
 * or an encryption without a key is one refusal, not one error per file.
 *
 * Rules that name a code of their own carry it in the issue's params (`coffer_code`), which
 * parseRequest turns into that CofferError; anything else is KMS.0308 (KMS.0204 when missing).
 */
export const FILE_ACTIONS = ['encrypt', 'decrypt', 'verify'] as const;
export const FileAction = z.enum(FILE_ACTIONS);
export type FileAction = z.infer<typeof FileAction>;

const code = (coffer_code: ErrorCode) => ({ coffer_code });

export const FRAME_LENGTH_RULE = `The frame length must be a whole number of bytes from ${MIN_FRAME_LENGTH} (1 KiB) to ${MAX_FRAME_LENGTH} (16 MiB)`;

export function isValidFrameLength(value: number): boolean {
  return Number.isInteger(value) && value >= MIN_FRAME_LENGTH && value <= MAX_FRAME_LENGTH;
}

/** Bytes per frame, within Coffer's bounds (shared/file-format.ts). */
export const FrameLength = z.number().refine(isValidFrameLength, {
  error: (issue) => `${FRAME_LENGTH_RULE}; ${String(issue.input)} was given.`,
  params: code('COFFER.2012'),
});

/** EDKs a reader tries in one header at most (the ESDK's maxEncryptedDataKeys), 1..65535. */
export const MaxEncryptedDataKeys = z
  .number()
  .int()
  .min(1)
  .max(MAX_ENCRYPTED_DATA_KEYS_LIMIT, {
    error: `The most encrypted data keys a header can hold is ${MAX_ENCRYPTED_DATA_KEYS_LIMIT}: give 1..${MAX_ENCRYPTED_DATA_KEYS_LIMIT}.`,
  });

/** Absolute on POSIX ("/...") or Windows ("C:\...", "\\server\..."): each face resolves against its own folder. */
export function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\');
}

const AbsolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine(isAbsolutePath, { error: (issue) => `the path "${String(issue.input)}" is not absolute` });

/** Huawei KMS's limit on an encryption context, as JSON text. */
export const MAX_ENCRYPTION_CONTEXT_CHARS = 8192;

const EncryptionContextField = z
  .record(z.string(), z.string())
  .refine((context) => Object.keys(context).every((key) => key.length > 0), {
    error: 'An encryption context key cannot be empty.',
    params: code('KMS.0208'),
  })
  .refine((context) => JSON.stringify(context).length <= MAX_ENCRYPTION_CONTEXT_CHARS, {
    error: `The encryption context is over ${MAX_ENCRYPTION_CONTEXT_CHARS} characters as JSON.`,
    params: code('KMS.0208'),
  });

/** A key reference: a key id, alias/NAME, or (later) a recipient or key-store reference. */
const KeyReference = z.string().min(1).max(300);

/**
 * Every field, each with its bounds, without the rules that tie fields to the action: the app's
 * jobs:start request is exactly this (Settings fill in the default key, folder and frame length
 * before the job is checked whole).
 */
export const FileJobFields = z.strictObject({
  action: FileAction,
  /** Files and folders, absolute. */
  paths: z.array(AbsolutePath).min(1).max(100_000),
  /** Where outputs go (a folder keeps its structure under it); default: beside each input. */
  out_dir: AbsolutePath.optional(),
  /** Encrypt: the keys that each wrap every file's data key (any one opens the file). */
  key_ids: z.array(KeyReference).max(16).optional(),
  /** Encrypt: contacts (by name) who get one raw RSA EDK each, so their own Coffer opens the files. */
  recipients: z.array(z.string().min(1).max(64)).max(16).optional(),
  frame_length: FrameLength.optional(),
  encryption_context: EncryptionContextField.optional(),
  /** Encrypt: delete each original once its encrypted copy has been read back and matched. */
  remove_originals: z.boolean().optional(),
  /** Encrypt: the ESDK algorithm suite, 0x0478 (default, unsigned) or 0x0578 (signed, ECDSA P-384). */
  algorithm_suite: z
    .number()
    .refine((id) => id === 0x0478 || id === 0x0578, {
      error: 'Coffer writes algorithm suite 0x0478 (unsigned) or 0x0578 (signed with ECDSA P-384) only.',
      params: code('COFFER.2057'),
    })
    .optional(),
  /**
   * Encrypt: keys of encryption_context kept out of the header, yet bound to the file (the ESDK's
   * required-encryption-context CMM); decrypting needs those pairs back in encryption_context.
   */
  required_context_keys: z.array(z.string().min(1).max(1024)).min(1).max(64).optional(),
  /** Decrypt, verify: also open ESDK 1.x files (message format v1); Coffer never writes them. */
  allow_legacy_format: z.boolean().optional(),
  /**
   * Decrypt, verify: a header with more EDKs than this is refused before any key is used
   * (default: COFFER_MAX_EDKS, else 64).
   */
  max_encrypted_data_keys: MaxEncryptedDataKeys.optional(),
});

/** Decrypting and verifying take encryption_context too: the pairs a writer kept out of the header. */
const ENCRYPT_ONLY = [
  'key_ids',
  'recipients',
  'frame_length',
  'remove_originals',
  'algorithm_suite',
  'required_context_keys',
] as const;
const READ_ONLY = ['allow_legacy_format', 'max_encrypted_data_keys'] as const;

/** A whole file job: its fields, and what its action needs and allows. */
export const FileJobRequest = FileJobFields.superRefine((request, context) => {
  if (request.action === 'encrypt') {
    if ((!request.key_ids || request.key_ids.length === 0) && (!request.recipients || request.recipients.length === 0)) {
      context.addIssue({
        code: 'custom',
        path: ['key_ids'],
        message:
          "Encrypting files needs a key: the CMK that wraps each file's data key (--key-id; in the app, a key or a default key in Settings), or a recipient (--recipient).",
        params: code('KMS.0204'),
      });
    }
    for (const field of READ_ONLY) {
      if (request[field] !== undefined) {
        context.addIssue({
          code: 'custom',
          path: [field],
          message: `${field} applies only to decrypting and verifying; an encrypt job does not take it.`,
          params: code('COFFER.2015'),
        });
      }
    }
    const missing = (request.required_context_keys ?? []).filter((key) => !Object.hasOwn(request.encryption_context ?? {}, key));
    if (missing.length > 0) {
      context.addIssue({
        code: 'custom',
        path: ['required_context_keys'],
        message: `The required encryption context key${missing.length > 1 ? 's' : ''} ${missing.map((k) => `"${k.slice(0, 40)}"`).join(', ')} ${missing.length > 1 ? 'have' : 'has'} no value: give every required key a value in the encryption context.`,
        params: code('COFFER.2056'),
      });
    }
    return;
  }
  for (const field of ENCRYPT_ONLY) {
    if (request[field] !== undefined) {
      context.addIssue({
        code: 'custom',
        path: [field],
        message: `${field} applies only to encrypting; a ${request.action} job does not take it.`,
        params: code('COFFER.2015'),
      });
    }
  }
  if (request.action === 'verify' && request.out_dir !== undefined) {
    context.addIssue({
      code: 'custom',
      path: ['out_dir'],
      message: 'Verifying writes nothing, so it takes no output folder.',
      params: code('COFFER.2015'),
    });
  }
});
export type FileJobRequest = z.infer<typeof FileJobFields>;

/** The request, checked whole; a CofferError that names the first problem (see above) otherwise. */
export function parseFileJob(input: unknown): FileJobRequest {
  return parseRequest(FileJobRequest, input);
}
