import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CofferError } from '../../shared/errors.js';
import * as kms from '../../electron/core/kms/key-operations.js';
import type { Vault } from '../../electron/core/vault/vault.js';
import { keychainVault, type VaultFixture } from '../helpers/vault-fixture.js';

/**
 * KMS-REFERENCE.md's state table, operation by operation, through the real vault (keychain,
 * files, lock, audit): each cell is either the new state or the KMS code of the refusal.
 */
type StartState = 2 | 3 | 4 | 5;
type Expectation = { state: number } | { code: string };

let fx: VaultFixture;
let counter = 0;

beforeAll(async () => {
  fx = await keychainVault();
});
afterAll(async () => {
  await fx.dispose();
});

async function keyIn(vault: Vault, state: StartState): Promise<string> {
  counter += 1;
  const origin = state === 5 ? 'external' : 'kms';
  const { key_info } = await kms.createKey(vault, { key_alias: `table-${counter}`, origin });
  if (state === 3) await kms.disableKey(vault, { key_id: key_info.key_id });
  if (state === 4) await kms.scheduleKeyDeletion(vault, { key_id: key_info.key_id, pending_days: 7 });
  return key_info.key_id;
}

async function stateOf(vault: Vault, keyId: string): Promise<number> {
  const { key_info } = await kms.describeKey(vault, { key_id: keyId });
  return Number(key_info.key_state);
}

async function use(vault: Vault, keyId: string): Promise<void> {
  await vault.useKeyMaterial('encrypt-data', keyId, () => undefined);
}

const operations: Record<string, (vault: Vault, keyId: string) => Promise<unknown>> = {
  'use (crypto)': use,
  'enable-key': (v, k) => kms.enableKey(v, { key_id: k }),
  'disable-key': (v, k) => kms.disableKey(v, { key_id: k }),
  'schedule-key-deletion': (v, k) => kms.scheduleKeyDeletion(v, { key_id: k, pending_days: 30 }),
  'cancel-key-deletion': (v, k) => kms.cancelKeyDeletion(v, { key_id: k }),
  'update-key-alias': (v, k) => kms.updateKeyAlias(v, { key_id: k, key_alias: `renamed-${k}` }),
  'update-key-description': (v, k) => kms.updateKeyDescription(v, { key_id: k, key_description: 'changed' }),
  'enable-key-rotation': (v, k) => kms.enableKeyRotation(v, { key_id: k, rotation_interval: 90 }),
  'rotate-key': (v, k) => kms.rotateKey(v, { key_id: k }),
};

const table: Record<StartState, Record<keyof typeof operations, Expectation>> = {
  2: {
    'use (crypto)': { state: 2 },
    'enable-key': { code: 'KMS.1201' },
    'disable-key': { state: 3 },
    'schedule-key-deletion': { state: 4 },
    'cancel-key-deletion': { code: 'KMS.1501' },
    'update-key-alias': { state: 2 },
    'update-key-description': { state: 2 },
    'enable-key-rotation': { state: 2 },
    'rotate-key': { state: 2 },
  },
  3: {
    'use (crypto)': { code: 'KMS.0209' },
    'enable-key': { state: 2 },
    'disable-key': { code: 'KMS.1301' },
    'schedule-key-deletion': { state: 4 },
    'cancel-key-deletion': { code: 'KMS.1501' },
    'update-key-alias': { state: 3 },
    'update-key-description': { state: 3 },
    'enable-key-rotation': { state: 3 },
    'rotate-key': { code: 'KMS.0209' },
  },
  4: {
    'use (crypto)': { code: 'KMS.0210' },
    'enable-key': { code: 'KMS.0210' },
    'disable-key': { code: 'KMS.0210' },
    'schedule-key-deletion': { code: 'KMS.1402' },
    'cancel-key-deletion': { state: 3 },
    'update-key-alias': { code: 'KMS.0210' },
    'update-key-description': { code: 'KMS.0210' },
    'enable-key-rotation': { code: 'KMS.0210' },
    'rotate-key': { code: 'KMS.0210' },
  },
  5: {
    'use (crypto)': { code: 'COFFER.3001' },
    'enable-key': { code: 'COFFER.3001' },
    'disable-key': { code: 'COFFER.3001' },
    'schedule-key-deletion': { state: 4 },
    'cancel-key-deletion': { code: 'KMS.1501' },
    'update-key-alias': { state: 5 },
    'update-key-description': { state: 5 },
    'enable-key-rotation': { code: 'COFFER.3002' },
    'rotate-key': { code: 'COFFER.3002' },
  },
};

describe.each([2, 3, 4, 5] as const)('a key in state %i', (start) => {
  it.each(Object.keys(operations))('%s', async (name) => {
    const keyId = await keyIn(fx.vault, start);
    const expected = table[start][name]!;
    const attempt = operations[name]!(fx.vault, keyId);
    if ('code' in expected) {
      const error = await attempt.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CofferError);
      expect((error as CofferError).code).toBe(expected.code);
      expect((error as CofferError).message.length).toBeGreaterThan(20);
      // A refusal changes nothing and is recorded, naming the key.
      expect(await stateOf(fx.vault, keyId)).toBe(start);
      const log = await fx.vault.auditLog();
      const last = log.records.at(-1)!;
      expect(last).toMatchObject({ outcome: 'failure', error_code: expected.code, key_id: keyId });
    } else {
      await attempt;
      expect(await stateOf(fx.vault, keyId)).toBe(expected.state);
    }
  });
});

describe('the table also holds across processes', () => {
  it('a change made through one Vault object is seen by another opened on the same folder', async () => {
    const keyId = await keyIn(fx.vault, 2);
    const { Vault } = await import('../../electron/core/vault/vault.js');
    const other = await Vault.open(fx.env);
    await kms.disableKey(other, { key_id: keyId });
    expect(await stateOf(fx.vault, keyId)).toBe(3);
  });
});
