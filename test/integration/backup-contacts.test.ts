import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addContact, listContacts, publicKeyFile } from '../../electron/core/kms/contact-operations.js';
import { createKey } from '../../electron/core/kms/key-operations.js';
import { decryptData } from '../../electron/core/kms/data-operations.js';
import { openBackup, writeBackup } from '../../electron/core/vault/backup-file.js';
import { Vault } from '../../electron/core/vault/vault.js';
import { keychainVault, type VaultFixture } from '../helpers/vault-fixture.js';
import { refusal } from '../helpers/refusal.js';

const BACKUP_PASS = 'a backup passphrase, long enough';
const fixtureDir = join(import.meta.dirname, '../fixtures/backup-v1');

let source: VaultFixture;
let target: VaultFixture;

beforeEach(async () => {
  [source, target] = await Promise.all([keychainVault(), keychainVault()]);
});
afterEach(async () => {
  await Promise.all([source.dispose(), target.dispose()]);
});

/** A public key file of a fresh RSA key, as a contact would send it. */
async function publicKeyText(vault: Vault, alias: string): Promise<string> {
  await createKey(vault, { key_alias: alias, key_spec: 'RSA_2048', key_usage: 'ENCRYPT_DECRYPT' });
  return (await publicKeyFile(vault, `alias/${alias}`)).text;
}

describe('backups carry contacts', () => {
  it('brings contacts back with their names, public keys and fingerprints', async () => {
    const alice = await publicKeyText(source.vault, 'alice-key');
    const bob = await publicKeyText(source.vault, 'bob-key');
    await addContact(source.vault, { name: 'Alice', public_key_file: alice });
    await addContact(source.vault, { name: 'Bob Smith', public_key_file: bob });
    const { text, contactCount } = await source.vault.backup(BACKUP_PASS);
    expect(contactCount).toBe(2);
    expect((await openBackup(text, BACKUP_PASS)).contacts).toEqual(source.vault.state.contacts);

    const restored = await target.vault.restore(text, BACKUP_PASS, false);
    expect(restored).toMatchObject({ contacts_added: ['Alice', 'Bob Smith'], contacts_replaced: [] });
    expect(target.vault.state.contacts).toEqual(source.vault.state.contacts);
    expect(await listContacts(target.vault)).toEqual(await listContacts(source.vault));
    const audit = await target.vault.auditLog();
    expect(audit.records.filter((r) => r.operation === 'restore-contact').map((r) => r.detail)).toEqual([
      expect.stringMatching(/^Alice /),
      expect.stringMatching(/^Bob Smith /),
    ]);
  });

  it("merges by name: keeps this vault's own contacts and identical ones, refuses a name that holds another key unless forced", async () => {
    const alice = await publicKeyText(source.vault, 'alice-key');
    const carol = await publicKeyText(source.vault, 'carol-key');
    await addContact(source.vault, { name: 'Alice', public_key_file: alice });
    await addContact(source.vault, { name: 'Carol', public_key_file: carol });
    const { text } = await source.vault.backup(BACKUP_PASS);

    const otherCarol = await publicKeyText(target.vault, 'another-carol');
    const dave = await publicKeyText(target.vault, 'dave-key');
    await addContact(target.vault, { name: 'Alice', public_key_file: alice }); // the same person, the same key
    await addContact(target.vault, { name: 'Carol', public_key_file: otherCarol }); // a different key under the name
    await addContact(target.vault, { name: 'Dave', public_key_file: dave }); // only here
    const before = await readFile(join(target.dir, 'vault.json'), 'utf8');

    const refused = await refusal(target.vault.restore(text, BACKUP_PASS, false));
    expect(refused.code).toBe('COFFER.1026');
    expect(refused.message).toMatch(/"Carol".*--force/);
    expect(await readFile(join(target.dir, 'vault.json'), 'utf8')).toBe(before);

    // --force replaces the keys the backup holds (none here clash) and Carol's public key.
    const forced = await target.vault.restore(text, BACKUP_PASS, true);
    expect(forced).toMatchObject({ contacts_added: [], contacts_replaced: ['Carol'] });
    const byName = Object.fromEntries((target.vault.state.contacts ?? []).map((c) => [c.name, c.fingerprint]));
    const sourceByName = Object.fromEntries((source.vault.state.contacts ?? []).map((c) => [c.name, c.fingerprint]));
    expect(Object.keys(byName).sort()).toEqual(['Alice', 'Carol', 'Dave']);
    expect(byName.Alice).toBe(sourceByName.Alice);
    expect(byName.Carol).toBe(sourceByName.Carol);
  });

  it('still restores a format-1 backup (keys only) written before backups carried contacts and key stores', async () => {
    const expected = JSON.parse(await readFile(join(fixtureDir, 'expected.json'), 'utf8'));
    const text = await readFile(join(fixtureDir, 'keys.backup'), 'utf8');
    const restored = await target.vault.restore(text, expected.backup_passphrase, false);
    expect(restored).toEqual({
      restored: [expected.key_id],
      replaced: [],
      contacts_added: [],
      contacts_replaced: [],
      key_stores_added: [],
      key_stores_kept: [],
      key_stores_asking_pin: [],
    });
    expect(target.vault.state.contacts).toBeUndefined();
    expect(target.vault.state.key_stores).toBeUndefined();
    const opened = await decryptData(target.vault, { cipher_text: expected.cipher_text });
    expect(opened).toMatchObject({ key_id: expected.key_id, plain_text: expected.plain_text });
  });

  it('refuses a backup whose token key names a key store it does not carry', async () => {
    // A hand-made backup (sealed as Coffer seals them) whose key claims a store: damaged content, nothing restored.
    const key = {
      key_id: '0d0466b0-e727-4d9c-b35d-f84bb474a37f',
      alias: 'orphan',
      description: '',
      origin: 'kms' as const,
      exportable: false,
      tags: {},
      state: 2 as const,
      created: 1,
      scheduled_deletion: null,
      rotation: { enabled: false, interval_days: 365, enabled_at: null, last_rotation: null, count: 0 },
      versions: [{ version: 1, created: 1, token_object: { cka_id: '00'.repeat(16), label: 'orphan v1' } }],
      key_store_id: '11111111-2222-4333-8444-555555555555',
    };
    const text = await writeBackup({ keys: [key], contacts: [], keyStores: [] }, BACKUP_PASS, target.vault.vaultId, 1);
    const refused = await refusal(target.vault.restore(text, BACKUP_PASS, false));
    expect(refused.code).toBe('COFFER.1010');
    expect(target.vault.state.keys).toEqual([]);
  });
});
