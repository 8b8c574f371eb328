import * as z from 'zod';
import type { ErrorValue } from './errors.js';
import type { EventChannel, InvokeChannel, MainChannel } from './ipc-channels.js';
import * as kms from './kms-schemas.js';
import type {
  AuditRecordView,
  BackupFileSummary,
  KeyInfo,
  KeyStoreInfo,
  ListKeysResponse,
  RestoreResult,
  RotationStatus,
  TokenSummary,
} from './kms-responses.js';
import { MAX_FRAME_LENGTH, MIN_FRAME_LENGTH } from './file-format.js';
import { FileJobFields, MaxEncryptedDataKeys } from './file-job.js';
import { SIGNING_ALGORITHMS } from './key-specs.js';
import { FileHandle, type FileRef, type FileResultView } from './file-handle.js';
import type { MenuCommand } from './menu-commands.js';

/**
 * The one contract between the renderer and the main process: for every channel, the schema
 * its request must pass (checked in main, whatever the renderer claims) and the type of its
 * answer; for every event, its payload. Main, preload and renderer all import it.
 */
const Empty = z.strictObject({});
const Handles = z.array(FileHandle).min(1).max(10_000);
/** Paths only the preload sends (dropped files it resolved with webUtils), absolute. */
const DroppedPaths = FileJobFields.shape.paths.max(10_000);

export const SettingsSchema = z.strictObject({
  default_key_id: z.string().max(300).nullable(),
  out_dir: z.string().max(4096).nullable(),
  frame_length: z.number().int().min(MIN_FRAME_LENGTH).max(MAX_FRAME_LENGTH).nullable(),
  remove_originals: z.boolean(),
  theme: z.enum(['system', 'light', 'dark']),
  /** EDKs a header may hold for the app's jobs and previews (null: COFFER_MAX_EDKS, else 64). */
  max_encrypted_data_keys: MaxEncryptedDataKeys.nullable(),
});
export type Settings = z.infer<typeof SettingsSchema>;
export const DEFAULT_SETTINGS: Settings = {
  default_key_id: null,
  out_dir: null,
  frame_length: null,
  remove_originals: false,
  theme: 'system',
  max_encrypted_data_keys: null,
};

/**
 * A file job as the renderer asks for it: the file job request's fields with their bounds
 * (shared/file-job.ts), its files and output folder named by handles; main turns those into
 * paths, fills in what Settings supply and checks the job whole.
 */
export const JobStartRequest = FileJobFields.omit({ paths: true, out_dir: true }).extend({
  inputs: z.array(FileHandle).min(1).max(100_000),
  /** A folder's handle (from Coffer's folder dialog); default: Settings, else beside each input. */
  out_dir: FileHandle.optional(),
});
export type JobStartRequest = z.infer<typeof JobStartRequest>;

export const requestSchemas = {
  'app:info': Empty,
  'vault:status': Empty,
  'vault:create': z.strictObject({
    protection: z.enum(['keychain', 'passphrase', 'tpm']),
    passphrase: z.string().max(1024).optional(),
  }),
  'vault:unlock': z.strictObject({ passphrase: z.string().max(1024) }),
  'vault:change-protection': z.strictObject({
    protection: z.enum(['keychain', 'passphrase', 'tpm']),
    passphrase: z.string().max(1024).optional(),
  }),
  /** Main asks where to write with its own save dialog. */
  'vault:backup': z.strictObject({ passphrase: z.string().max(1024) }),
  'vault:rollback-generations': Empty,
  /** force: drop the keys the generation lacks (the CLI's rollback --force), after the user agreed. */
  'vault:rollback': z.strictObject({ generation: z.number().int().min(1), force: z.boolean() }),
  /** `file`: a backup file chosen with files:choose ({ kind: 'file' }). */
  'vault:restore': z.strictObject({
    file: FileHandle,
    passphrase: z.string().max(1024),
    force: z.boolean().optional(),
  }),
  'keys:list': kms.ListKeysRequest,
  'keys:create': kms.CreateKeyRequest,
  'keys:describe': kms.KeyIdRequest,
  'keys:enable': kms.KeyIdRequest,
  'keys:disable': kms.KeyIdRequest,
  'keys:schedule-deletion': kms.ScheduleKeyDeletionRequest,
  'keys:cancel-deletion': kms.KeyIdRequest,
  'keys:update-alias': kms.UpdateKeyAliasRequest,
  'keys:update-description': kms.UpdateKeyDescriptionRequest,
  'keys:enable-rotation': kms.EnableKeyRotationRequest,
  'keys:disable-rotation': kms.KeyIdRequest,
  'keys:update-rotation-interval': kms.UpdateKeyRotationIntervalRequest,
  'keys:rotation-status': kms.KeyIdRequest,
  'keys:rotate': kms.KeyIdRequest,
  'keys:import-parameters': kms.GetParametersForImportRequest,
  'keys:import-material': kms.ImportKeyMaterialRequest,
  'keys:export-material': kms.ExportKeyMaterialRequest,
  'keys:public-key-file': kms.KeyIdRequest,
  'keys:get-public-key': kms.KeyIdRequest,
  'keys:sign': kms.SignRequest,
  'keys:validate-signature': kms.ValidateSignatureRequest,
  /** Main asks the user for the file with its own dialog (no path crosses) and signs its digest. */
  'keys:sign-file': z.strictObject({ key_id: z.string().min(1).max(300), signing_algorithm: z.enum(SIGNING_ALGORITHMS) }),
  'keys:validate-file-signature': z.strictObject({
    key_id: z.string().min(1).max(300),
    signing_algorithm: z.enum(SIGNING_ALGORITHMS),
    signature: z.string().max(8192),
  }),
  'contacts:list': Empty,
  /** `public_key_file`: the text of a public key file (read from a file or pasted). */
  'contacts:add': z.strictObject({ name: z.string().max(200), public_key_file: z.string().max(64 * 1024) }),
  'contacts:remove': z.strictObject({ name: z.string().max(200) }),
  /** Main shows the OS open dialog and reads the public key file chosen: the renderer never names a path. */
  'contacts:open-key-file': Empty,
  /** Main shows the OS save dialog and writes this key's public key file where the user chose. */
  'contacts:save-public-key-file': kms.KeyIdRequest,
  'data:encrypt': kms.EncryptDataRequest,
  'data:decrypt': kms.DecryptDataRequest,
  'data:re-encrypt': kms.ReEncryptDataRequest,
  'datakey:create': kms.CreateDatakeyRequest,
  'datakey:create-without-plaintext': kms.CreateDatakeyRequest,
  'datakey:encrypt': kms.EncryptDatakeyRequest,
  'datakey:decrypt': kms.DecryptDatakeyRequest,
  'random:generate': kms.GenRandomRequest,
  'audit:list': z.strictObject({
    limit: z.number().int().min(1).max(100_000).optional(),
    key_id: z.string().max(300).optional(),
  }),
  'files:classify': z.strictObject({ handles: Handles }),
  /** files: several files; folder: several folders; file: one file (a backup to restore). */
  'files:choose': z.strictObject({ kind: z.enum(['files', 'folder', 'file']) }),
  /** The preload's only: see PRELOAD_CHANNELS. */
  'files:register-drop': z.strictObject({ paths: DroppedPaths }),
  'files:show-in-folder': z.strictObject({ handle: FileHandle }),
  'jobs:start': JobStartRequest,
  'jobs:cancel': z.strictObject({ job_id: z.string().uuid() }),
  'jobs:list': Empty,
  'media:open': z.strictObject({ handle: FileHandle }),
  'shell:status': Empty,
  'shell:install': Empty,
  'shell:uninstall': Empty,
  'settings:get': Empty,
  /** out_dir: a folder's handle (Coffer's folder dialog), or null for "beside each original". */
  'settings:set': SettingsSchema.partial().extend({ out_dir: FileHandle.nullable().optional() }),
  'keystores:list': Empty,
  /** A PIN kept (keep_pin) goes to the keychain or is sealed in the vault; otherwise it is asked for each session. */
  /**
   * module_file: the PKCS#11 module (a shared library main loads), chosen in Coffer's open dialog
   * (files:choose { kind: 'file' }): a path the window named could load any library.
   */
  'keystores:create': z.strictObject({
    keystore_alias: z.string().max(64),
    module_file: FileHandle,
    token_label: z.string().min(1).max(32),
    pin: z.string().min(1).max(256),
    keep_pin: z.boolean(),
  }),
  'keystores:delete': z.strictObject({ keystore_id: z.string().min(1).max(255) }),
  'keystores:tokens': z.strictObject({ module_file: FileHandle }),
  /** The PIN of a store that keeps none, held in memory for this session only. */
  'keystores:pin': z.strictObject({ keystore_id: z.string().min(1).max(255), pin: z.string().min(1).max(256) }),
  /** module_file: this machine's module for the store (a restored store keeps the source's path), from Coffer's open dialog. */
  'keystores:set-module': z.strictObject({ keystore_id: z.string().min(1).max(255), module_file: FileHandle }),
  /** Destroys now the token objects of the store's deleted keys (its pending_token_cleanup). */
  'keystores:retry-cleanup': z.strictObject({ keystore_id: z.string().min(1).max(255) }),
  'tpm:status': Empty,
} satisfies Record<MainChannel, z.ZodType>;

export type InvokeRequest<C extends MainChannel> = z.input<(typeof requestSchemas)[C]>;

/** A contact as every face shows it (list-contacts). */
export interface ContactView {
  name: string;
  fingerprint: string;
  key_spec: string;
  key_namespace: string;
  key_name: string;
  added: string;
}

/** A public key file read for adding as a contact: its text, and what it holds. */
export interface PublicKeyFileView {
  file_name: string;
  text: string;
  fingerprint: string;
  key_spec: string;
}

export interface VaultStatus {
  state: 'none' | 'locked' | 'unlocked';
  protection: 'keychain' | 'passphrase' | 'tpm' | null;
  vault_dir: string;
  vault_id: string | null;
  /** Why an existing vault could not be opened (keychain unreachable, damaged file...). */
  problem: ErrorValue | null;
}

/** What the right-click integration wrote, removed, or found. */
export interface ShellReport {
  platform: 'linux' | 'win32' | 'darwin';
  installed: boolean;
  written: string[];
  removed: string[];
  notes: string[];
}

export interface JobProgressEvent {
  job_id: string;
  file: string;
  file_index: number;
  file_count: number;
  bytes_done: number;
  bytes_total: number;
  rate: number;
  eta_seconds: number | null;
  overall_done: number;
  overall_total: number;
}

/** A generation the vault can go back to, and the keys (or key versions: version set) it lacks. */
export interface RollbackGenerationView {
  generation: number;
  saved: string;
  lost_keys: { key_id: string; alias: string; version: number | null }[];
}

export interface InvokeResponses {
  'app:info': { version: string; platform: string; vault_dir: string };
  'vault:status': VaultStatus;
  'vault:create': { vault_id: string; protection: 'keychain' | 'passphrase' | 'tpm'; recovery_code: string };
  'vault:unlock': VaultStatus;
  'vault:change-protection': VaultStatus;
  'vault:backup': { cancelled: true } | ({ cancelled: false } & BackupFileSummary);
  'vault:rollback-generations': { generations: RollbackGenerationView[] };
  'vault:rollback': { restored_generation: number; damaged_file_kept_as: string; dropped_keys: string[] };
  'vault:restore': RestoreResult;
  'keys:list': ListKeysResponse;
  'keys:create': { key_info: { key_id: string; domain_id: string } };
  'keys:describe': { key_info: KeyInfo };
  'keys:enable': { key_info: { key_id: string; key_state: string } };
  'keys:disable': { key_info: { key_id: string; key_state: string } };
  'keys:schedule-deletion': { key_id: string; key_state: string; scheduled_deletion_date: string };
  'keys:cancel-deletion': { key_id: string; key_state: string };
  'keys:update-alias': { key_info: { key_id: string; key_alias: string } };
  'keys:update-description': { key_info: { key_id: string; key_description: string } };
  'keys:enable-rotation': RotationStatus;
  'keys:disable-rotation': RotationStatus;
  'keys:update-rotation-interval': RotationStatus;
  'keys:rotation-status': RotationStatus;
  'keys:rotate': RotationStatus;
  'keys:import-parameters': {
    key_id: string;
    import_token: string;
    public_key: string;
    expiration_time: string;
    wrapping_algorithm: string;
  };
  'keys:import-material': { key_id: string; key_state: string };
  'keys:export-material': { key_id: string; key_version: number; key_material: string };
  /** The public key file of an RSA ENCRYPT_DECRYPT key, to copy or save and send. */
  'keys:public-key-file': { key_id: string; fingerprint: string; text: string };
  /** Huawei's get-publickey: PEM (SubjectPublicKeyInfo). */
  'keys:get-public-key': { key_id: string; public_key: string };
  'keys:sign': { key_id: string; signature: string };
  'keys:validate-signature': { key_id: string; signature_valid: string };
  /** `file_name` null: the user closed the dialog without a file (nothing was signed). */
  'keys:sign-file': { key_id: string; signature: string; file_name: string; digest: string } | { file_name: null };
  'keys:validate-file-signature':
    { key_id: string; signature_valid: string; file_name: string; digest: string } | { file_name: null };
  'contacts:list': { contacts: ContactView[]; total: number };
  'contacts:add': { contact: ContactView };
  'contacts:remove': { contact: ContactView; removed: true };
  /** null when the dialog was cancelled; the file is checked (COFFER.8004) before it comes back. */
  'contacts:open-key-file': { file: PublicKeyFileView | null };
  /** `path`: where it was saved; null when the dialog was cancelled. */
  'contacts:save-public-key-file': { key_id: string; fingerprint: string; path: string | null };
  'data:encrypt': { key_id: string; key_version: number; cipher_text: string };
  'data:decrypt': { key_id: string; key_version: number; plain_text: string | null; plain_text_base64: string };
  'data:re-encrypt': {
    key_id: string;
    key_version: number;
    cipher_text: string;
    source_key_id: string;
    source_key_version: number;
  };
  'datakey:create': { key_id: string; key_version: number; plain_text?: string; cipher_text: string };
  'datakey:create-without-plaintext': { key_id: string; key_version: number; cipher_text: string };
  'datakey:encrypt': { key_id: string; key_version: number; cipher_text: string; datakey_length: string };
  'datakey:decrypt': { key_id: string; key_version: number; data_key: string; datakey_length: string; datakey_dgst: string };
  'random:generate': { random_data: string };
  'audit:list': { records: AuditRecordView[]; total: number; chain_verified: boolean; problems: string[] };
  /** `special`: a FIFO, socket or device, never read; `reason` says which. */
  'files:classify': {
    files: (FileRef & { kind: 'coffer' | 'file' | 'folder' | 'missing' | 'special'; size: number; reason?: string })[];
  };
  'files:choose': { files: FileRef[] };
  /** Dropped files now granted (the preload's call). */
  'files:register-drop': { files: FileRef[] };
  'files:show-in-folder': { shown: boolean };
  'jobs:start': { job_id: string };
  'jobs:cancel': { cancelled: boolean };
  'jobs:list': { jobs: { job_id: string; action: string; state: string; paths: string[] }[] };
  'media:open': { url: string; mime_type: string; size: number };
  'shell:status': ShellReport;
  'shell:install': ShellReport;
  'shell:uninstall': ShellReport;
  'settings:get': Settings;
  'settings:set': Settings;
  'keystores:list': { keystores: KeyStoreView[]; total: number };
  'keystores:create': { key_store_info: KeyStoreView };
  'keystores:delete': { keystore_id: string; keystore_alias: string };
  'keystores:tokens': { tokens: TokenView[] };
  'keystores:pin': { keystore_id: string; held: boolean };
  'keystores:set-module': { key_store_info: KeyStoreView };
  'keystores:retry-cleanup': {
    keystore_id: string;
    keystore_alias: string;
    /** Deleted keys whose objects are now gone from the token. */
    destroyed: string[];
    /** Those still waiting (the token absent, no PIN at hand...), each with why in words. */
    pending: { key_id: string; problem: string }[];
  };
  'tpm:status': { available: boolean };
}

/** A key store as the app shows it (Settings, the Keys screen's "Stored in"): the core's own shape. */
export type KeyStoreView = KeyStoreInfo;

/** A token a PKCS#11 module sees now. */
export type TokenView = TokenSummary;

export interface EventPayloads {
  'jobs:progress': JobProgressEvent;
  'jobs:file-done': { job_id: string; result: FileResultView };
  'jobs:finished': { job_id: string; results: FileResultView[]; cancelled: boolean };
  'launch:files': { encrypt: FileRef[]; decrypt: FileRef[] };
  /** A menu item or its shortcut was chosen (the application menu lives in main). */
  'menu:command': { command: MenuCommand };
}

export interface DroppedFiles {
  files: FileRef[];
  /** Names of the dropped items that are not files on disk. */
  not_on_disk: string[];
}

/** Every answer crosses as a value: errors are {code, message}, never thrown objects. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: ErrorValue };

/** What the preload exposes as window.coffer. */
export interface CofferBridge {
  invoke<C extends InvokeChannel>(channel: C, request: InvokeRequest<C>): Promise<IpcResult<InvokeResponses[C]>>;
  on<E extends EventChannel>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
  /**
   * Grants dropped File objects: the preload finds each one's path (webUtils) and main answers
   * with handles. A File not on disk (made by a script, say) gets none and is named in not_on_disk.
   */
  registerDroppedFiles(files: readonly unknown[]): Promise<IpcResult<DroppedFiles>>;
}
