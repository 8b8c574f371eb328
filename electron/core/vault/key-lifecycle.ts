import { randomUUID } from 'node:crypto';
import { CofferError } from '../../../shared/errors.js';
import { DAY_MS, KEY_LIMITS, KeyState, type KeyOrigin } from '../../../shared/key-types.js';
import { COFFER_KEY_NAMESPACE, isAsymmetricSpec, type KeySpec, type KeyUsage } from '../../../shared/key-specs.js';
import type { DeletedKey, KeyRecord, TokenObject, VaultState } from './vault-file.js';

/**
 * The CMK state machine of KMS-REFERENCE.md as pure functions over the vault's state.
 * They change the draft they are given or throw a CofferError with the KMS code; sealing
 * material and saving are the caller's business.
 */

export interface NewKeyInput {
  alias: string;
  description?: string;
  origin?: KeyOrigin;
  exportable?: boolean;
  tags?: Record<string, string>;
  keySpec?: KeySpec;
  keyUsage?: KeyUsage;
  /** Another tool's keyring namespace and key name (both or neither; imported keys only). */
  keyNamespace?: string;
  keyName?: string;
  /** A key inside a key store's token: its id (chosen before the token object was made) and version 1's object. */
  token?: { key_id: string; key_store_id: string; object: TokenObject };
}

/** Keys made before asymmetric keys existed carry no spec: they are AES_256. */
export function keySpecOf(key: Readonly<KeyRecord>): KeySpec {
  return key.key_spec ?? 'AES_256';
}

export function keyUsageOf(key: Readonly<KeyRecord>): KeyUsage {
  return key.key_usage ?? 'ENCRYPT_DECRYPT';
}

/** Huawei KMS's defaults and limits: AES keys encrypt; EC keys only sign; RSA keys do either (signing by default). */
function chooseUsage(spec: KeySpec, usage: KeyUsage | undefined): KeyUsage {
  const chosen = usage ?? (isAsymmetricSpec(spec) ? 'SIGN_VERIFY' : 'ENCRYPT_DECRYPT');
  if (spec === 'AES_256' && chosen !== 'ENCRYPT_DECRYPT') {
    throw new CofferError('KMS.0308', 'An AES_256 key only encrypts and decrypts: key usage SIGN_VERIFY needs an RSA or EC key.');
  }
  if (spec.startsWith('EC_') && chosen !== 'SIGN_VERIFY') {
    throw new CofferError(
      'KMS.0308',
      `An ${spec} key only signs and verifies (key usage SIGN_VERIFY): for encryption choose an RSA key spec.`,
    );
  }
  return chosen;
}

/** A foreign key name: printable text, unique in the vault, never in Coffer's own namespace (nor AWS KMS's). */
function validateForeignName(state: VaultState, input: NewKeyInput, origin: KeyOrigin): void {
  const { keyNamespace: namespace, keyName: name } = input;
  if (namespace === undefined && name === undefined) return;
  if (namespace === undefined || name === undefined) {
    throw new CofferError(
      'COFFER.8001',
      "Give both --key-namespace and --key-name (the other tool's keyring namespace and key name), or neither.",
    );
  }
  if (origin !== 'external') {
    throw new CofferError(
      'COFFER.8001',
      "A key namespace and key name name another tool's key, whose material you import: create the key with --origin external.",
    );
  }
  for (const [field, value] of [
    ['key namespace', namespace],
    ['key name', name],
  ] as const) {
    // eslint-disable-next-line no-control-regex
    if (value.length < 1 || value.length > 255 || /[\u0000-\u001f\u007f]/.test(value)) {
      throw new CofferError('COFFER.8001', `The ${field} must be 1 to 255 characters without control characters.`);
    }
  }
  if (namespace === COFFER_KEY_NAMESPACE || namespace === 'aws-kms') {
    throw new CofferError(
      'COFFER.8001',
      `The key namespace "${namespace}" is reserved (${namespace === 'aws-kms' ? 'AWS KMS keyrings' : "Coffer's own keys"}): use the namespace the other tool wrote.`,
    );
  }
  const owner = state.keys.find((k) => k.key_namespace === namespace && k.key_name === name);
  if (owner) {
    throw new CofferError(
      'COFFER.8002',
      `Key ${owner.key_id} already has key namespace "${namespace}" and key name "${name}": a file's data key must name one key.`,
    );
  }
}

/** Makes a fresh sealed material box for (key id, version). */
export type MaterialFactory = (keyId: string, version: number) => string;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function validateAlias(alias: string): void {
  if (!KEY_LIMITS.aliasPattern.test(alias) || alias.endsWith('/default')) {
    throw new CofferError(
      'KMS.1101',
      `The alias "${alias.slice(0, 80)}" is not valid: use 1 to 255 letters, digits, ':', '/', '_' or '-', not ending in "/default".`,
    );
  }
}

export function validateDescription(description: string): void {
  if ([...description].length > KEY_LIMITS.descriptionMax) {
    throw new CofferError('KMS.1103', `The description is too long: at most ${KEY_LIMITS.descriptionMax} characters.`);
  }
}

export function validateTags(tags: Record<string, string>): void {
  const entries = Object.entries(tags);
  if (entries.length > KEY_LIMITS.maxTags) {
    throw new CofferError('KMS.0308', `A key may carry at most ${KEY_LIMITS.maxTags} tags; ${entries.length} were given.`);
  }
  for (const [key, value] of entries) {
    if (key.length < 1 || key.length > KEY_LIMITS.tagKeyMax || /[=*<>\\,|/]/.test(key)) {
      throw new CofferError(
        'KMS.0308',
        `The tag key "${key.slice(0, 40)}" is not valid: use 1 to ${KEY_LIMITS.tagKeyMax} characters, none of = * < > \\ , | /.`,
      );
    }
    if (value.length > KEY_LIMITS.tagValueMax || /[=*<>\\,|/]/.test(value)) {
      throw new CofferError(
        'KMS.0308',
        `The value of tag "${key}" is not valid: use at most ${KEY_LIMITS.tagValueMax} characters, none of = * < > \\ , | /.`,
      );
    }
  }
}

function assertAliasFree(state: VaultState, alias: string, exceptKeyId?: string): void {
  const owner = state.keys.find((k) => k.alias === alias && k.key_id !== exceptKeyId);
  if (owner) {
    throw new CofferError('KMS.1104', `The alias "${alias}" already names key ${owner.key_id}: choose another alias.`);
  }
}

/** Finds a live key by id or `alias/NAME`; a deleted key gets a sentence saying so. */
export function resolveKey(state: VaultState, ref: string): KeyRecord {
  let key: KeyRecord | undefined;
  let deleted: DeletedKey | undefined;
  if (ref.startsWith('alias/')) {
    const alias = ref.slice('alias/'.length);
    key = state.keys.find((k) => k.alias === alias);
    if (!key) {
      deleted = state.deleted.findLast((d) => d.alias === alias);
      if (!deleted)
        throw new CofferError('KMS.0207', `No key has the alias "${alias}". Run \`coffer list-keys\` to see your keys.`);
    }
  } else if (UUID.test(ref)) {
    key = state.keys.find((k) => k.key_id === ref);
    if (!key) {
      deleted = state.deleted.find((d) => d.key_id === ref);
      if (!deleted) throw new CofferError('KMS.0207', `No key with id ${ref} exists in this vault.`);
    }
  } else {
    throw new CofferError(
      'KMS.0205',
      `"${ref.slice(0, 80)}" is not a key id: give the key's id (a UUID such as 0d0466b0-e727-4d9c-b35d-f84bb474a37f) or alias/NAME.`,
    );
  }
  if (deleted) {
    throw new CofferError(
      'KMS.0207',
      `Key ${deleted.key_id} (alias "${deleted.alias}") was deleted on ${formatDate(deleted.deleted)}: its key material was destroyed, ` +
        'and data encrypted only under it cannot be decrypted.',
    );
  }
  return key!;
}

export function createKey(state: VaultState, input: NewKeyInput, now: number, material: MaterialFactory): KeyRecord {
  validateAlias(input.alias);
  validateDescription(input.description ?? '');
  validateTags(input.tags ?? {});
  assertAliasFree(state, input.alias);
  if (state.keys.length >= KEY_LIMITS.maxKeys) {
    throw new CofferError(
      'KMS.1105',
      `The vault already holds ${KEY_LIMITS.maxKeys} keys, its limit: schedule unused keys for deletion first.`,
    );
  }
  const origin = input.origin ?? 'kms';
  const keySpec = input.keySpec ?? 'AES_256';
  const keyUsage = chooseUsage(keySpec, input.keyUsage);
  validateForeignName(state, input, origin);
  const keyId = input.token?.key_id ?? randomUUID();
  const key: KeyRecord = {
    key_id: keyId,
    alias: input.alias,
    description: input.description ?? '',
    origin,
    exportable: input.exportable ?? false,
    tags: { ...(input.tags ?? {}) },
    state: origin === 'external' ? KeyState.PendingImport : KeyState.Enabled,
    created: now,
    scheduled_deletion: null,
    rotation: {
      enabled: false,
      interval_days: KEY_LIMITS.rotationIntervalDefault,
      enabled_at: null,
      last_rotation: null,
      count: 0,
    },
    versions: input.token
      ? [{ version: 1, created: now, token_object: input.token.object }]
      : origin === 'external'
        ? []
        : [{ version: 1, created: now, material: material(keyId, 1) }],
    ...(input.token ? { key_store_id: input.token.key_store_id } : {}),
    ...(keySpec === 'AES_256' ? {} : { key_spec: keySpec }),
    ...(keyUsage === 'ENCRYPT_DECRYPT' && keySpec === 'AES_256' ? {} : { key_usage: keyUsage }),
    ...(input.keyNamespace !== undefined && input.keyName !== undefined
      ? { key_namespace: input.keyNamespace, key_name: input.keyName }
      : {}),
  };
  state.keys.push(key);
  return key;
}

function pendingDeletionError(key: KeyRecord): CofferError {
  const when = key.scheduled_deletion === null ? '' : ` on ${formatDate(key.scheduled_deletion)}`;
  return new CofferError(
    'KMS.0210',
    `Key ${key.key_id} is pending deletion${when} and cannot be used or changed: run \`coffer cancel-key-deletion\` first.`,
  );
}

function pendingImportError(key: KeyRecord): CofferError {
  return new CofferError(
    'COFFER.3001',
    `Key ${key.key_id} has no key material yet (Pending import): import its material with \`coffer import-key-material\` first.`,
  );
}

/** Crypto operations need an Enabled key: Disabled -> KMS.0209, Pending deletion -> KMS.0210. */
export function assertUsable(key: KeyRecord): void {
  if (key.state === KeyState.Enabled) return;
  if (key.state === KeyState.Disabled) {
    throw new CofferError('KMS.0209', `Key ${key.key_id} is disabled: run \`coffer enable-key\` to use it again.`);
  }
  if (key.state === KeyState.PendingDeletion) throw pendingDeletionError(key);
  throw pendingImportError(key);
}

/** Alias, description and rotation settings may change unless deletion is pending. */
function assertEditable(key: KeyRecord): void {
  if (key.state === KeyState.PendingDeletion) throw pendingDeletionError(key);
}

export function enableKey(key: KeyRecord): void {
  if (key.state === KeyState.Disabled) {
    key.state = KeyState.Enabled;
    return;
  }
  if (key.state === KeyState.Enabled) throw new CofferError('KMS.1201', `Key ${key.key_id} is already enabled.`);
  if (key.state === KeyState.PendingDeletion) throw pendingDeletionError(key);
  throw pendingImportError(key);
}

export function disableKey(key: KeyRecord): void {
  if (key.state === KeyState.Enabled) {
    key.state = KeyState.Disabled;
    return;
  }
  if (key.state === KeyState.Disabled) throw new CofferError('KMS.1301', `Key ${key.key_id} is already disabled.`);
  if (key.state === KeyState.PendingDeletion) throw pendingDeletionError(key);
  throw pendingImportError(key);
}

export function scheduleKeyDeletion(key: KeyRecord, pendingDays: number, now: number): void {
  if (!Number.isInteger(pendingDays) || pendingDays < KEY_LIMITS.pendingDaysMin || pendingDays > KEY_LIMITS.pendingDaysMax) {
    throw new CofferError(
      'KMS.1401',
      `The pending deletion period must be a whole number of days from ${KEY_LIMITS.pendingDaysMin} to ${KEY_LIMITS.pendingDaysMax}; ${String(pendingDays)} was given.`,
    );
  }
  if (key.state === KeyState.PendingDeletion) {
    throw new CofferError(
      'KMS.1402',
      `Key ${key.key_id} is already pending deletion (on ${formatDate(key.scheduled_deletion ?? now)}).`,
    );
  }
  key.state = KeyState.PendingDeletion;
  key.scheduled_deletion = now + pendingDays * DAY_MS;
}

/** Back to Disabled, as Huawei KMS does; a key that never received material goes back to Pending import. */
export function cancelKeyDeletion(key: KeyRecord): void {
  if (key.state !== KeyState.PendingDeletion) {
    throw new CofferError('KMS.1501', `Key ${key.key_id} is not pending deletion, so there is nothing to cancel.`);
  }
  key.state = key.versions.length === 0 ? KeyState.PendingImport : KeyState.Disabled;
  key.scheduled_deletion = null;
}

export function updateKeyAlias(state: VaultState, key: KeyRecord, alias: string): void {
  assertEditable(key);
  validateAlias(alias);
  assertAliasFree(state, alias, key.key_id);
  key.alias = alias;
}

export function updateKeyDescription(key: KeyRecord, description: string): void {
  assertEditable(key);
  validateDescription(description);
  key.description = description;
}

function assertRotatable(key: KeyRecord): void {
  if (isAsymmetricSpec(keySpecOf(key))) {
    throw new CofferError(
      'KMS.0308',
      `Key ${key.key_id} is an asymmetric key (${keySpecOf(key)}): asymmetric keys do not rotate, as in Huawei KMS. Create a new key pair instead.`,
    );
  }
  if (key.origin === 'external') {
    throw new CofferError(
      'COFFER.3002',
      `Key ${key.key_id} holds imported material, which Coffer cannot renew: imported keys cannot be rotated.`,
    );
  }
}

export function validateRotationInterval(days: number): void {
  if (!Number.isInteger(days) || days < KEY_LIMITS.rotationIntervalMin || days > KEY_LIMITS.rotationIntervalMax) {
    throw new CofferError(
      'KMS.3001',
      `The rotation interval must be a whole number of days from ${KEY_LIMITS.rotationIntervalMin} to ${KEY_LIMITS.rotationIntervalMax}; ${String(days)} was given.`,
    );
  }
}

export function enableKeyRotation(key: KeyRecord, now: number, intervalDays?: number): void {
  assertEditable(key);
  assertRotatable(key);
  if (key.key_store_id !== undefined) {
    // A scheduled rotation happens when the vault opens, where no token may be present nor PIN given.
    throw new CofferError(
      'COFFER.9016',
      `Key ${key.key_id} lives in a key store's token: rotate it with \`coffer rotate-key\` while the token is present.`,
    );
  }
  if (intervalDays !== undefined) validateRotationInterval(intervalDays);
  if (!key.rotation.enabled) {
    key.rotation.enabled = true;
    key.rotation.enabled_at = now;
  }
  if (intervalDays !== undefined) key.rotation.interval_days = intervalDays;
}

export function disableKeyRotation(key: KeyRecord): void {
  assertEditable(key);
  assertRotatable(key);
  key.rotation.enabled = false;
  key.rotation.enabled_at = null;
}

export function updateKeyRotationInterval(key: KeyRecord, intervalDays: number): void {
  assertEditable(key);
  assertRotatable(key);
  validateRotationInterval(intervalDays);
  key.rotation.interval_days = intervalDays;
}

/**
 * Adds a new newest version; every older version stays for decryption. A token key's new version
 * is a new object in its token, made before and given here.
 */
export function rotateKey(key: KeyRecord, now: number, material: MaterialFactory, tokenObject?: TokenObject): number {
  assertRotatable(key);
  assertUsable(key);
  const version = (key.versions.at(-1)?.version ?? 0) + 1;
  if (key.key_store_id !== undefined) {
    if (!tokenObject)
      throw new CofferError(
        'COFFER.9016',
        `Key ${key.key_id} lives in a key store's token: its new version is made in the token.`,
      );
    key.versions.push({ version, created: now, token_object: tokenObject });
  } else {
    key.versions.push({ version, created: now, material: material(key.key_id, version) });
  }
  key.rotation.last_rotation = now;
  key.rotation.count += 1;
  return version;
}

export function rotationDueAt(key: KeyRecord): number | null {
  if (!key.rotation.enabled || key.origin === 'external' || isAsymmetricSpec(keySpecOf(key)) || key.key_store_id !== undefined)
    return null;
  const since = Math.max(key.rotation.last_rotation ?? 0, key.rotation.enabled_at ?? key.created);
  return since + key.rotation.interval_days * DAY_MS;
}

export interface MaintenanceResult {
  rotated: { key_id: string; version: number }[];
  destroyed: DeletedKey[];
  expired: { key_id: string }[];
}

function importExpired(key: KeyRecord, now: number): boolean {
  const expiration = key.import?.expiration ?? null;
  return expiration !== null && expiration <= now && (key.state === KeyState.Enabled || key.state === KeyState.Disabled);
}

/** Imported material is deleted (not the key) when its expiration time passes: back to Pending import. */
export function deleteImportedMaterial(key: KeyRecord): void {
  key.versions = [];
  key.state = KeyState.PendingImport;
  if (key.import) key.import.expiration = null;
}

/**
 * What falls due when the vault is opened: keys whose deletion date has passed are destroyed
 * for good (a tombstone stays to explain later failures; a token key's tombstone lists the token
 * objects still to destroy, which keyrings/token-key-cleanup.ts does when it reaches the token); imported material past its expiration
 * is deleted; Enabled keys whose rotation interval has passed get a new version. Disabled and pending-deletion keys wait until enabled again.
 */
export function runDueMaintenance(state: VaultState, now: number, material: MaterialFactory): MaintenanceResult {
  const result: MaintenanceResult = { rotated: [], destroyed: [], expired: [] };
  const kept: KeyRecord[] = [];
  for (const key of state.keys) {
    if (key.state === KeyState.PendingDeletion && key.scheduled_deletion !== null && key.scheduled_deletion <= now) {
      const tombstone: DeletedKey = { key_id: key.key_id, alias: key.alias, deleted: now };
      // A token key's objects are destroyed in its token, which maintenance cannot reach: the tombstone remembers them.
      const objects = key.versions.flatMap((v) => (v.token_object ? [v.token_object] : []));
      if (key.key_store_id !== undefined && objects.length > 0) {
        tombstone.token_cleanup = { key_store_id: key.key_store_id, objects };
      }
      state.deleted.push(tombstone);
      result.destroyed.push(tombstone);
      continue;
    }
    kept.push(key);
    if (importExpired(key, now)) {
      deleteImportedMaterial(key);
      result.expired.push({ key_id: key.key_id });
      continue;
    }
    const due = rotationDueAt(key);
    if (key.state === KeyState.Enabled && due !== null && due <= now) {
      result.rotated.push({ key_id: key.key_id, version: rotateKey(key, now, material) });
    }
  }
  state.keys = kept;
  return result;
}

export function hasDueMaintenance(state: VaultState, now: number): boolean {
  return state.keys.some((key) => {
    if (key.state === KeyState.PendingDeletion) return key.scheduled_deletion !== null && key.scheduled_deletion <= now;
    if (importExpired(key, now)) return true;
    const due = rotationDueAt(key);
    return key.state === KeyState.Enabled && due !== null && due <= now;
  });
}
