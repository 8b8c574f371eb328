import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CofferError } from '../../shared/errors.js';
import { vaultKeyring } from '../../electron/core/keyrings/vault-keyring.js';
import { wrapDataKey } from '../../electron/core/keyrings/raw-aes-keyring.js';
import * as kms from '../../electron/core/kms/key-operations.js';
import { keychainVault, type VaultFixture } from '../helpers/vault-fixture.js';

/** A header that names one real key many times costs one key use, and one audit record. */
let fx: VaultFixture;
let keyId: string;

beforeAll(async () => {
  fx = await keychainVault();
  keyId = (await kms.createKey(fx.vault, { key_alias: 'tries' })).key_info.key_id;
});
afterAll(async () => {
  await fx.dispose();
});

describe('EDK tries', () => {
  it('tries each key version at most once per file', async () => {
    // EDKs that name the real key but were wrapped under other material: none opens.
    const edks = Array.from({ length: 20 }, () =>
      wrapDataKey(randomBytes(32), { keyId, version: 1 }, randomBytes(32), Buffer.alloc(0)),
    );
    const before = (await fx.vault.auditLog()).records.length;
    const error = await vaultKeyring(fx.vault, [], 'decrypt-file')
      .unwrap(edks, Buffer.alloc(0))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CofferError);
    expect((error as CofferError).code).toBe('COFFER.2003');
    expect((await fx.vault.auditLog()).records.length - before).toBe(1);
  });
});
