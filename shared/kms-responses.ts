import type { KeySpec, KeyUsage } from './key-specs.js';

/** The answers of the KMS operations, as every face (CLI JSON, IPC) gives them. */

/** A key as describe-key and list-keys show it, in Huawei KMS's field names and string conventions. */
export interface KeyInfo {
  key_id: string;
  domain_id: string;
  key_alias: string;
  realm: string;
  key_description: string;
  creation_date: string;
  scheduled_deletion_date: string;
  key_state: string;
  key_state_name: string;
  default_key_flag: string;
  key_spec: KeySpec;
  key_usage: KeyUsage;
  /** The ESDK keyring namespace (provider id) files name this key by: "coffer", or another tool's. */
  key_namespace: string;
  /** The key name of the newest version ("" before material is imported), and of every version. */
  key_name: string;
  key_names: string[];
  origin: 'kms' | 'external';
  exportable: boolean;
  key_rotation_enabled: string;
  rotation_interval: number;
  last_rotation_time: string;
  number_of_rotations: number;
  key_version: number | null;
  key_versions: number[];
  tags: Record<string, string>;
  /** Only for a key inside a key store's token: the store's id (Huawei's keystore_id). */
  keystore_id?: string;
}

export interface ListKeysResponse {
  keys: string[];
  key_details: KeyInfo[];
  total: number;
  truncated: 'true' | 'false';
  next_marker: string;
}

export interface RotationStatus {
  key_id: string;
  key_rotation_enabled: boolean;
  rotation_interval: number;
  last_rotation_time: string;
  next_rotation_time: string;
  number_of_rotations: number;
  key_version: number | null;
}

export interface AuditRecordView {
  seq: number;
  time: string;
  operation: string;
  key_id: string | null;
  key_version: number | null;
  outcome: 'success' | 'failure';
  error_code: string | null;
  detail: string | null;
  /** A file's decryption: how many of its header's EDKs a key was tried on. */
  edks_tried?: number;
}

/** One file of a batch. */
export type FileResult =
  | { input: string; status: 'ok'; output?: string; bytes: number; original_removed?: boolean; note?: string }
  | { input: string; status: 'error'; error: { error_code: string; error_msg: string } }
  | { input: string; status: 'skipped'; reason: string };

/** A key store (a PKCS#11 token whose keys are CMKs), as list/describe-key-store and Settings show it. */
export interface KeyStoreInfo {
  keystore_id: string;
  keystore_alias: string;
  keystore_type: 'PKCS11';
  pkcs11_module: string;
  token_label: string;
  token_serial: string;
  token_model: string;
  pin_storage: 'keychain' | 'sealed' | 'ask';
  key_count: number;
  /** Deleted keys whose objects are still in the token, destroyed when it is next reached. */
  pending_token_cleanup: string[];
  create_time: string;
}

/** What a PKCS#11 module says about one of its tokens (what Settings lists). */
export interface TokenSummary {
  label: string;
  serial: string;
  manufacturer: string;
  model: string;
  initialized: boolean;
  pinLocked: boolean;
}

/** What `coffer backup` (and the app's vault:backup) reports. */
export interface BackupFileSummary {
  backup: string;
  keys: number;
  key_versions: number;
  contacts: number;
  key_stores: number;
  key_stores_without_pin: string[];
}

/** What a restore brought in (coffer restore, vault:restore). */
export interface RestoreResult {
  restored: string[];
  replaced: string[];
  contacts_added: string[];
  contacts_replaced: string[];
  /** Key stores added to this vault; a store this vault already has (same id) keeps this vault's settings. */
  key_stores_added: string[];
  key_stores_kept: string[];
  /** Added key stores whose PIN is asked at each use (the backup carried none). */
  key_stores_asking_pin: string[];
}
