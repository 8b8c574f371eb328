import { CofferError } from '../../../shared/errors.js';
import { KEY_LIMITS, KeyState } from '../../../shared/key-types.js';
import {
  CreateKeyRequest,
  EnableKeyRotationRequest,
  KeyIdRequest,
  ListKeysRequest,
  ScheduleKeyDeletionRequest,
  UpdateKeyAliasRequest,
  UpdateKeyDescriptionRequest,
  UpdateKeyRotationIntervalRequest,
  parseRequest,
} from '../../../shared/kms-schemas.js';
import * as lifecycle from '../vault/key-lifecycle.js';
import { randomUUID } from 'node:crypto';
import { findKeyStore } from '../keyrings/cmk-use.js';
import type { KeyRecord, TokenObject, VaultState } from '../vault/vault-file.js';
import { generateTokenKey, precheckTokenKey } from './key-store-operations.js';
import type { Vault } from '../vault/vault.js';
import type { KeyInfo, ListKeysResponse, RotationStatus } from '../../../shared/kms-responses.js';
import { isAsymmetricSpec } from '../../../shared/key-specs.js';
import { generateKeyPairFor, type KeyPairDer } from '../crypto/asymmetric-keys.js';
import { keyInfo } from './key-info.js';

export type { ListKeysResponse, RotationStatus };

/**
 * The key-management half of the KMS API (create-key ... rotate-key), as the CLI and the app
 * call it: requests validated, answers in Huawei KMS's shapes, every change and refusal audited.
 */

type KeyChange = (draft: VaultState, key: KeyRecord, now: number) => void;

async function changeKey(vault: Vault, operation: string, keyRef: string, change: KeyChange): Promise<KeyRecord> {
  return vault.mutate(operation, (draft, context) => {
    const key = lifecycle.resolveKey(draft, keyRef);
    context.subject(key.key_id, key.versions.at(-1)?.version ?? null);
    change(draft, key, context.now);
    return {
      result: structuredClone(key),
      events: [{ operation, key_id: key.key_id, key_version: key.versions.at(-1)?.version ?? null, outcome: 'success' }],
    };
  });
}

export async function createKey(vault: Vault, input: unknown): Promise<{ key_info: { key_id: string; domain_id: string } }> {
  const request = parseRequest(CreateKeyRequest, input);
  let token: lifecycle.NewKeyInput['token'];
  if (request.keystore_id !== undefined) {
    if (request.origin === 'external' || request.exportable || (request.key_spec ?? 'AES_256') !== 'AES_256') {
      throw new CofferError(
        'COFFER.9014',
        'A key in a key store is an AES_256 key generated inside its token, which it never leaves: it cannot take imported material, be exportable or be a key pair.',
      );
    }
    const state = await vault.refresh();
    const store = findKeyStore(state.key_stores, request.keystore_id);
    precheckTokenKey(state as VaultState, request.key_alias);
    const keyId = randomUUID();
    token = { key_id: keyId, key_store_id: store.key_store_id, object: await generateTokenKey(vault, store, keyId, 1) };
  }
  const spec = request.key_spec ?? 'AES_256';
  // A key pair takes a moment (seconds for RSA_4096): made before the vault lock is taken.
  const pair: KeyPairDer | null =
    isAsymmetricSpec(spec) && (request.origin ?? 'kms') === 'kms' ? await generateKeyPairFor(spec) : null;
  let key: KeyRecord;
  try {
    key = await vault.mutate('create-key', (draft, context) => {
      const created = lifecycle.createKey(
        draft,
        {
          alias: request.key_alias,
          description: request.key_description,
          origin: request.origin,
          exportable: request.exportable,
          tags: request.tags,
          keySpec: spec,
          keyUsage: request.key_usage,
          keyNamespace: request.key_namespace,
          keyName: request.key_name,
          token,
        },
        context.now,
        pair ? (keyId, version) => context.sealMaterial(keyId, version, pair.privateKey) : context.material,
      );
      if (pair) created.public_key = pair.publicKey.toString('base64');
      return {
        result: structuredClone(created),
        events: [
          {
            operation: 'create-key',
            key_id: created.key_id,
            key_version: created.versions.at(-1)?.version ?? null,
            outcome: 'success',
          },
        ],
      };
    });
  } finally {
    pair?.privateKey.fill(0);
  }
  return { key_info: { key_id: key.key_id, domain_id: vault.vaultId } };
}

export async function describeKey(vault: Vault, input: unknown): Promise<{ key_info: KeyInfo }> {
  const request = parseRequest(KeyIdRequest, input);
  const state = await vault.refresh();
  return { key_info: keyInfo(lifecycle.resolveKey(state as VaultState, request.key_id), vault.vaultId) };
}

/** Oldest first; the marker is the index of the next key, as Huawei KMS pages. */
export async function listKeys(vault: Vault, input: unknown = {}): Promise<ListKeysResponse> {
  const request = parseRequest(ListKeysRequest, input);
  const limit = request.limit ?? KEY_LIMITS.listLimitMax;
  if (!Number.isInteger(limit) || limit < 1 || limit > KEY_LIMITS.listLimitMax) {
    throw new CofferError('KMS.1601', `The limit must be a whole number from 1 to ${KEY_LIMITS.listLimitMax}.`);
  }
  const start = request.marker === undefined || request.marker === '' ? 0 : Number(request.marker);
  if (!Number.isInteger(start) || start < 0) {
    throw new CofferError('KMS.1602', 'The marker must be a whole number of 0 or more, as a next_marker from list-keys gave it.');
  }
  if (request.key_state !== undefined && !Object.values(KeyState).includes(request.key_state as KeyState)) {
    throw new CofferError(
      'KMS.0308',
      'The key state filter must be 2 (Enabled), 3 (Disabled), 4 (Pending deletion) or 5 (Pending import).',
    );
  }
  const state = await vault.refresh();
  const matching = [...state.keys]
    .filter((key) => request.key_state === undefined || key.state === request.key_state)
    .sort((a, b) => a.created - b.created || a.key_id.localeCompare(b.key_id));
  const page = matching.slice(start, start + limit);
  const truncated = start + page.length < matching.length;
  return {
    keys: page.map((key) => key.key_id),
    key_details: page.map((key) => keyInfo(key, vault.vaultId)),
    total: matching.length,
    truncated: truncated ? 'true' : 'false',
    next_marker: truncated ? String(start + page.length) : '',
  };
}

export async function enableKey(vault: Vault, input: unknown): Promise<{ key_info: { key_id: string; key_state: string } }> {
  const { key_id } = parseRequest(KeyIdRequest, input);
  const key = await changeKey(vault, 'enable-key', key_id, (_d, k) => lifecycle.enableKey(k));
  return { key_info: { key_id: key.key_id, key_state: String(key.state) } };
}

export async function disableKey(vault: Vault, input: unknown): Promise<{ key_info: { key_id: string; key_state: string } }> {
  const { key_id } = parseRequest(KeyIdRequest, input);
  const key = await changeKey(vault, 'disable-key', key_id, (_d, k) => lifecycle.disableKey(k));
  return { key_info: { key_id: key.key_id, key_state: String(key.state) } };
}

export async function scheduleKeyDeletion(
  vault: Vault,
  input: unknown,
): Promise<{ key_id: string; key_state: string; scheduled_deletion_date: string }> {
  const request = parseRequest(ScheduleKeyDeletionRequest, input);
  const key = await changeKey(vault, 'schedule-key-deletion', request.key_id, (_d, k, now) =>
    lifecycle.scheduleKeyDeletion(k, request.pending_days, now),
  );
  return { key_id: key.key_id, key_state: String(key.state), scheduled_deletion_date: String(key.scheduled_deletion) };
}

export async function cancelKeyDeletion(vault: Vault, input: unknown): Promise<{ key_id: string; key_state: string }> {
  const { key_id } = parseRequest(KeyIdRequest, input);
  const key = await changeKey(vault, 'cancel-key-deletion', key_id, (_d, k) => lifecycle.cancelKeyDeletion(k));
  return { key_id: key.key_id, key_state: String(key.state) };
}

export async function updateKeyAlias(vault: Vault, input: unknown): Promise<{ key_info: { key_id: string; key_alias: string } }> {
  const request = parseRequest(UpdateKeyAliasRequest, input);
  const key = await changeKey(vault, 'update-key-alias', request.key_id, (draft, k) =>
    lifecycle.updateKeyAlias(draft, k, request.key_alias),
  );
  return { key_info: { key_id: key.key_id, key_alias: key.alias } };
}

export async function updateKeyDescription(
  vault: Vault,
  input: unknown,
): Promise<{ key_info: { key_id: string; key_description: string } }> {
  const request = parseRequest(UpdateKeyDescriptionRequest, input);
  const key = await changeKey(vault, 'update-key-description', request.key_id, (_d, k) =>
    lifecycle.updateKeyDescription(k, request.key_description),
  );
  return { key_info: { key_id: key.key_id, key_description: key.description } };
}

function rotationStatus(key: KeyRecord): RotationStatus {
  const due = lifecycle.rotationDueAt(key);
  return {
    key_id: key.key_id,
    key_rotation_enabled: key.rotation.enabled,
    rotation_interval: key.rotation.interval_days,
    last_rotation_time: key.rotation.last_rotation === null ? '' : String(key.rotation.last_rotation),
    next_rotation_time: due === null ? '' : String(due),
    number_of_rotations: key.rotation.count,
    key_version: key.versions.at(-1)?.version ?? null,
  };
}

export async function enableKeyRotation(vault: Vault, input: unknown): Promise<RotationStatus> {
  const request = parseRequest(EnableKeyRotationRequest, input);
  const key = await changeKey(vault, 'enable-key-rotation', request.key_id, (_d, k, now) =>
    lifecycle.enableKeyRotation(k, now, request.rotation_interval),
  );
  return rotationStatus(key);
}

export async function disableKeyRotation(vault: Vault, input: unknown): Promise<RotationStatus> {
  const { key_id } = parseRequest(KeyIdRequest, input);
  return rotationStatus(await changeKey(vault, 'disable-key-rotation', key_id, (_d, k) => lifecycle.disableKeyRotation(k)));
}

export async function updateKeyRotationInterval(vault: Vault, input: unknown): Promise<RotationStatus> {
  const request = parseRequest(UpdateKeyRotationIntervalRequest, input);
  const key = await changeKey(vault, 'update-key-rotation-interval', request.key_id, (_d, k) =>
    lifecycle.updateKeyRotationInterval(k, request.rotation_interval),
  );
  return rotationStatus(key);
}

export async function getKeyRotationStatus(vault: Vault, input: unknown): Promise<RotationStatus> {
  const { key_id } = parseRequest(KeyIdRequest, input);
  const state = await vault.refresh();
  return rotationStatus(lifecycle.resolveKey(state as VaultState, key_id));
}

export async function rotateKey(vault: Vault, input: unknown): Promise<RotationStatus> {
  const { key_id } = parseRequest(KeyIdRequest, input);
  // A token key's new version is a new object in its token, made first (the vault records it next).
  const state = await vault.refresh();
  const current = state.keys.find((k) => k.key_id === key_id || `alias/${k.alias}` === key_id);
  let tokenObject: TokenObject | undefined;
  if (current?.key_store_id !== undefined) {
    lifecycle.assertUsable(current);
    const store = findKeyStore(state.key_stores, current.key_store_id);
    tokenObject = await generateTokenKey(vault, store, current.key_id, (current.versions.at(-1)?.version ?? 0) + 1);
  }
  const key = await vault.mutate('rotate-key', (draft, context) => {
    const target = lifecycle.resolveKey(draft, key_id);
    context.subject(target.key_id, target.versions.at(-1)?.version ?? null);
    const version = lifecycle.rotateKey(target, context.now, context.material, tokenObject);
    return {
      result: structuredClone(target),
      events: [
        { operation: 'rotate-key', key_id: target.key_id, key_version: version, outcome: 'success', detail: 'manual rotation' },
      ],
    };
  });
  return rotationStatus(key);
}
