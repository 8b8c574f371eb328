import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import * as z from 'zod';
import { CofferError } from '../../../shared/errors.js';
import { parseRequest } from '../../../shared/kms-schemas.js';
import type { KeyStoreInfo } from '../../../shared/kms-responses.js';
import { findKeyStore, keyStorePin, keyStorePinAccount, keyStorePinLabel, tokenLocation } from '../keyrings/cmk-use.js';
import { destroyDeletedObjects, pendingTokenCleanups, recordTokenCleanup } from '../keyrings/deleted-token-keys.js';
import { listTokens, withTokenSession, type TokenSummary } from '../keystores/token-session.js';
import * as lifecycle from '../vault/key-lifecycle.js';
import { KEYCHAIN_SERVICE } from '../vault/keychain.js';
import type { DeletedKey, KeyRecord, KeyStorePin, KeyStoreRecord, TokenObject } from '../vault/vault-file.js';
import type { Vault } from '../vault/vault.js';
import { cleanUpDeletedTokenKeys } from './token-key-cleanup.js';

/**
 * Key stores, as Huawei KMS's dedicated key stores and AWS's custom key stores: a PKCS#11 token
 * whose keys are CMKs of this vault. The vault keeps the module path, the token's label and
 * serial, and the PIN (in the keychain, sealed in the vault, or nowhere: asked each time).
 */
export const CreateKeyStoreRequest = z.strictObject({
  keystore_alias: z.string(),
  pkcs11_module: z.string().min(1).max(4096),
  token_label: z.string().min(1).max(32),
  /** The PIN to keep; absent: asked for at each use. Never from argv (the faces read it from a file or a prompt). */
  pin: z.string().min(1).max(256).optional(),
});
export const KeyStoreIdRequest = z.strictObject({ keystore_id: z.string().min(1).max(255) });
export const SetKeyStoreModuleRequest = z.strictObject({
  keystore_id: z.string().min(1).max(255),
  pkcs11_module: z.string().min(1).max(4096),
});

export type { KeyStoreInfo };

const ALIAS = /^[a-zA-Z0-9:/_-]{1,64}$/;

function keyStoreInfo(store: KeyStoreRecord, keys: readonly KeyRecord[], deleted: readonly DeletedKey[] = []): KeyStoreInfo {
  return {
    keystore_id: store.key_store_id,
    keystore_alias: store.alias,
    keystore_type: 'PKCS11',
    pkcs11_module: store.module_path,
    token_label: store.token_label,
    token_serial: store.token_serial,
    token_model: store.token_model,
    pin_storage: store.pin.mode,
    key_count: keys.filter((k) => k.key_store_id === store.key_store_id).length,
    pending_token_cleanup: deleted.filter((d) => d.token_cleanup?.key_store_id === store.key_store_id).map((d) => d.key_id),
    create_time: String(store.created),
  };
}

export async function createKeyStore(vault: Vault, input: unknown): Promise<{ key_store_info: KeyStoreInfo }> {
  const request = parseRequest(CreateKeyStoreRequest, input);
  const alias = request.keystore_alias;
  if (!ALIAS.test(alias)) {
    throw new CofferError(
      'COFFER.9013',
      `The key store alias "${alias.slice(0, 80)}" is not valid: use 1 to 64 letters, digits, ':', '/', '_' or '-'.`,
    );
  }
  if (!isAbsolute(request.pkcs11_module)) {
    throw new CofferError('KMS.0308', `--pkcs11-module must be an absolute path; "${request.pkcs11_module}" is not.`);
  }
  const state = await vault.refresh();
  if ((state.key_stores ?? []).some((s) => s.alias === alias)) {
    throw new CofferError('COFFER.9006', `A key store named "${alias}" already exists: choose another alias.`);
  }
  const keyStoreId = randomUUID();
  const askedPin = request.pin === undefined;
  // One login now, so a wrong PIN or a missing token is said at once, not at the first key.
  let given: string | undefined;
  const token = await withTokenSession(
    { storeName: alias, modulePath: request.pkcs11_module, tokenLabel: request.token_label },
    async () => {
      given = request.pin ?? (await vault.tokenPin({ alias, tokenLabel: request.token_label }));
      return given;
    },
    (session) => session.token,
  );
  let pin: KeyStorePin;
  if (askedPin) {
    pin = { mode: 'ask' };
  } else if (vault.protectionMode === 'keychain') {
    pin = { mode: 'keychain', service: KEYCHAIN_SERVICE, account: keyStorePinAccount(keyStoreId) };
    await vault.keychain.set(pin.service, pin.account, given!);
  } else {
    pin = { mode: 'sealed', box: '' };
  }
  try {
    const store = await vault.mutate('create-key-store', (draft, context) => {
      if ((draft.key_stores ?? []).some((s) => s.alias === alias)) {
        throw new CofferError('COFFER.9006', `A key store named "${alias}" already exists: choose another alias.`);
      }
      const record: KeyStoreRecord = {
        key_store_id: keyStoreId,
        alias,
        module_path: request.pkcs11_module,
        token_label: token.label,
        token_serial: token.serial,
        token_model: token.model.slice(0, 16),
        created: context.now,
        pin:
          pin.mode === 'sealed'
            ? { mode: 'sealed', box: context.sealSecret(keyStorePinLabel(keyStoreId), Buffer.from(given!, 'utf8')) }
            : pin,
      };
      draft.key_stores = [...(draft.key_stores ?? []), record];
      return {
        result: record,
        events: [
          {
            operation: 'create-key-store',
            outcome: 'success',
            detail: `key store ${alias}: token "${token.label}" serial ${token.serial}, PIN ${record.pin.mode}`,
          },
        ],
      };
    });
    return { key_store_info: keyStoreInfo(store, []) };
  } catch (error) {
    if (pin.mode === 'keychain') await vault.keychain.delete(pin.service, pin.account).catch(() => false);
    throw error;
  }
}

export async function listKeyStores(vault: Vault): Promise<{ keystores: KeyStoreInfo[]; total: number }> {
  const state = await vault.refresh();
  const stores = (state.key_stores ?? []).map((s) => keyStoreInfo(s, state.keys, state.deleted));
  return { keystores: stores, total: stores.length };
}

/** The store, and whether its token is present now (no PIN is asked). */
export async function describeKeyStore(
  vault: Vault,
  input: unknown,
): Promise<{ key_store_info: KeyStoreInfo & { token_present: boolean; token_problem: string | null; keys: string[] } }> {
  const request = parseRequest(KeyStoreIdRequest, input);
  const state = await vault.refresh();
  const store = findKeyStore(state.key_stores, request.keystore_id);
  let present = false;
  let problem: string | null = null;
  try {
    const tokens: TokenSummary[] = await listTokens(store.alias, store.module_path);
    present = tokens.some((t) => t.label === store.token_label && (!store.token_serial || t.serial === store.token_serial));
    if (!present) problem = `no token labelled "${store.token_label}" with serial ${store.token_serial} is present`;
  } catch (error) {
    problem = error instanceof Error ? error.message : String(error);
  }
  return {
    key_store_info: {
      ...keyStoreInfo(store, state.keys, state.deleted),
      token_present: present,
      token_problem: problem,
      keys: state.keys.filter((k) => k.key_store_id === store.key_store_id).map((k) => k.key_id),
    },
  };
}

/**
 * Points a store at another PKCS#11 module: a store restored on another machine keeps the source
 * machine's path. The new module must load and see the store's own token (label and serial) now,
 * else nothing changes; no PIN is asked, as the token's keys are not used.
 */
export async function setKeyStoreModule(vault: Vault, input: unknown): Promise<{ key_store_info: KeyStoreInfo }> {
  const request = parseRequest(SetKeyStoreModuleRequest, input);
  const modulePath = request.pkcs11_module;
  if (!isAbsolute(modulePath)) {
    throw new CofferError('KMS.0308', `--module must be an absolute path; "${modulePath.slice(0, 200)}" is not.`);
  }
  const store = findKeyStore((await vault.refresh()).key_stores, request.keystore_id);
  const wanted = `the token labelled "${store.token_label}"${store.token_serial ? ` with serial ${store.token_serial}` : ''}`;
  const unchanged = `The store still uses ${store.module_path}; nothing was changed.`;
  let tokens: TokenSummary[];
  try {
    tokens = await listTokens(store.alias, modulePath);
  } catch (error) {
    const reason = existsSync(modulePath)
      ? `${modulePath} could not be loaded as a PKCS#11 module (${error instanceof CofferError ? error.message : String(error)})`
      : `${modulePath} does not exist`;
    throw new CofferError(
      'COFFER.9001',
      `Key store ${store.alias}: ${reason}. Give the path of the PKCS#11 module (.so, .dylib or .dll) that reaches ${wanted} on this machine. ${unchanged}`,
    );
  }
  const sameLabel = tokens.filter((t) => t.label === store.token_label);
  if (!sameLabel.some((t) => !store.token_serial || t.serial === store.token_serial)) {
    const seen = tokens.map((t) => `"${t.label}" (serial ${t.serial})`);
    throw new CofferError(
      sameLabel.length > 0 ? 'COFFER.9012' : 'COFFER.9002',
      `Key store ${store.alias}: the PKCS#11 module ${modulePath} does not see ${wanted} ` +
        `(${seen.length > 0 ? `it sees ${seen.join(', ')}` : 'it sees no token'}). ` +
        `Plug that token in, or give the module that reaches it. ${unchanged}`,
    );
  }
  const updated = await vault.mutate('set-key-store-module', (draft) => {
    const record = findKeyStore(draft.key_stores, store.key_store_id);
    const before = record.module_path;
    record.module_path = modulePath;
    return {
      result: structuredClone(record),
      events: [
        {
          operation: 'set-key-store-module',
          outcome: 'success',
          detail: `key store ${record.alias}: PKCS#11 module ${before} -> ${modulePath}`,
        },
      ],
    };
  });
  return { key_store_info: keyStoreInfo(updated, vault.state.keys, vault.state.deleted) };
}

/** Refused while any key (in any state) uses the store; its keychain PIN goes with it. */
/** What a retried cleanup did: deleted keys whose token objects are now gone, and those still waiting, with why. */
export interface TokenCleanupRetry {
  keystore_id: string;
  keystore_alias: string;
  destroyed: string[];
  pending: { key_id: string; problem: string }[];
}

/**
 * Destroys now, in the store's token, the objects of its deleted keys (pending_token_cleanup), as
 * the vault opening and delete-key-store do; a store that keeps no PIN is asked for it. Never
 * fails for an absent token: the keys stay pending and `pending` says why.
 */
export async function retryTokenCleanup(vault: Vault, input: unknown): Promise<TokenCleanupRetry> {
  const request = parseRequest(KeyStoreIdRequest, input);
  const store = findKeyStore((await vault.refresh()).key_stores, request.keystore_id);
  const report = await cleanUpDeletedTokenKeys(vault, { askPin: true, keyStoreId: store.key_store_id });
  return {
    keystore_id: store.key_store_id,
    keystore_alias: store.alias,
    destroyed: report.destroyed,
    pending: report.pending.map(({ key_id, problem }) => ({ key_id, problem })),
  };
}

export async function deleteKeyStore(vault: Vault, input: unknown): Promise<{ keystore_id: string; keystore_alias: string }> {
  const request = parseRequest(KeyStoreIdRequest, input);
  const known = (await vault.refresh()).key_stores?.find(
    (s) => s.key_store_id === request.keystore_id || s.alias === request.keystore_id,
  );
  // Deleted keys whose objects are still in the token: destroy them now, or the store cannot go.
  let problem: string | undefined;
  if (known && pendingTokenCleanups(vault.state, known.key_store_id).length > 0) {
    problem = (await cleanUpDeletedTokenKeys(vault, { askPin: true, keyStoreId: known.key_store_id })).pending[0]?.problem;
  }
  const removed = await vault.mutate('delete-key-store', (draft) => {
    const store = findKeyStore(draft.key_stores, request.keystore_id);
    const uncleaned = pendingTokenCleanups(draft, store.key_store_id);
    if (uncleaned.length > 0) {
      throw new CofferError(
        'COFFER.9030',
        `Key store ${store.alias}: the token still holds the objects of ${uncleaned.length} deleted key(s) (${uncleaned
          .slice(0, 5)
          .map((d) => d.key_id)
          .join(
            ', ',
          )}), and they could not be destroyed${problem ? ` (${problem})` : ''}. Plug the token in and run delete-key-store again.`,
      );
    }
    const users = draft.keys.filter((k) => k.key_store_id === store.key_store_id);
    if (users.length > 0) {
      throw new CofferError(
        'COFFER.9008',
        `Key store ${store.alias} still holds ${users.length} key(s) (${users
          .slice(0, 5)
          .map((k) => `${k.key_id} "${k.alias}"`)
          .join(', ')}): schedule them for deletion and wait until they are deleted, then delete the store.`,
      );
    }
    draft.key_stores = (draft.key_stores ?? []).filter((s) => s.key_store_id !== store.key_store_id);
    return {
      result: store,
      events: [{ operation: 'delete-key-store', outcome: 'success', detail: `key store ${store.alias} deleted` }],
    };
  });
  if (removed.pin.mode === 'keychain') await vault.keychain.delete(removed.pin.service, removed.pin.account).catch(() => false);
  return { keystore_id: removed.key_store_id, keystore_alias: removed.alias };
}

/** A new AES-256 key object in the store's token for (key id, version); the vault records only this reference. */
export async function generateTokenKey(
  vault: Vault,
  store: KeyStoreRecord,
  keyId: string,
  version: number,
): Promise<TokenObject> {
  const object: TokenObject = { cka_id: randomBytes(16).toString('hex'), label: `coffer ${keyId} v${version}` };
  const pending = pendingTokenCleanups(vault.state, store.key_store_id);
  const cleaned = await withTokenSession(
    tokenLocation(store),
    () => keyStorePin(vault, store),
    (session) => {
      // The session is open anyway: deleted keys' objects left in this token go first.
      const outcomes = destroyDeletedObjects(session, pending);
      session.generateAesKey(object.label, Buffer.from(object.cka_id, 'hex'));
      return outcomes;
    },
  );
  if (cleaned.some((c) => c.destroyed.length > 0)) {
    await vault.mutate('destroy-token-key', (draft) => ({
      result: null,
      events: recordTokenCleanup(draft, cleaned, store.alias),
    }));
  }
  return object;
}

/** Checks what create-key would refuse before a token object is made for it. */
export function precheckTokenKey(state: { keys: KeyRecord[] }, alias: string): void {
  lifecycle.validateAlias(alias);
  const owner = state.keys.find((k) => k.alias === alias);
  if (owner) throw new CofferError('KMS.1104', `The alias "${alias}" already names key ${owner.key_id}: choose another alias.`);
}
