import * as z from 'zod';
import { canonicalJson } from './canonical-json.js';
import { CofferError } from '../../../shared/errors.js';
import { openBox, sealBox } from './aes-gcm-box.js';
import { deriveKeyFromPassphrase, newScryptParams, ScryptParamsSchema } from './passphrase-kdf.js';
import { ContactSchema, KeyRecordSchema, KeyStoreRecordSchema, type Contact } from './vault-file.js';

/**
 * A backup holds every key and every version with its material in the clear, so the whole
 * payload is sealed with AES-256-GCM under a key from the backup passphrase (scrypt), and the
 * header (format, KDF parameters, source vault, time, counts) is bound to it as associated data.
 * Format version 2 adds the contacts and the key stores (with their token keys' references);
 * version 1 backups, keys only, still open.
 */
const BACKUP_FORMAT = 'coffer-backup';
const BACKUP_FORMAT_VERSION = 2;

const HeaderV1Schema = z.strictObject({
  format: z.literal(BACKUP_FORMAT),
  format_version: z.literal(1),
  created: z.number().int().nonnegative(),
  source_vault_id: z.string(),
  key_count: z.number().int().nonnegative(),
  kdf: ScryptParamsSchema,
});
const HeaderV2Schema = HeaderV1Schema.extend({
  format_version: z.literal(2),
  contact_count: z.number().int().nonnegative(),
  key_store_count: z.number().int().nonnegative(),
});
type BackupHeader = z.infer<typeof HeaderV1Schema> | z.infer<typeof HeaderV2Schema>;

const BackupFileSchema = z.discriminatedUnion('format_version', [
  HeaderV1Schema.extend({ payload: z.string().min(1) }),
  HeaderV2Schema.extend({ payload: z.string().min(1) }),
]);

/** A key as it travels in a backup: its record, with each version's material as plain Base64 (a token key: references only). */
export const BackupKeySchema = KeyRecordSchema;
export type BackupKey = z.infer<typeof BackupKeySchema>;

/**
 * A key store as it travels in a backup: where its token is, and its PIN (inside the sealed
 * payload, never in the clear), or null when the store asks for it each time. A restore protects
 * the PIN as the restoring vault protects PINs.
 */
export const BackupKeyStoreSchema = KeyStoreRecordSchema.omit({ pin: true }).extend({
  pin: z.string().min(1).max(256).nullable(),
});
export type BackupKeyStore = z.infer<typeof BackupKeyStoreSchema>;

const PayloadV1Schema = z.strictObject({ keys: z.array(BackupKeySchema) });
const PayloadV2Schema = z.strictObject({
  keys: z.array(BackupKeySchema),
  contacts: z.array(ContactSchema),
  key_stores: z.array(BackupKeyStoreSchema),
});

/** What a backup holds. */
export interface BackupContents {
  keys: BackupKey[];
  contacts: Contact[];
  keyStores: BackupKeyStore[];
}

function headerAad(header: BackupHeader): string {
  return `coffer/backup|${canonicalJson(header)}`;
}

export async function writeBackup(
  contents: BackupContents,
  passphrase: string,
  sourceVaultId: string,
  now: number,
): Promise<string> {
  const header: BackupHeader = {
    format: BACKUP_FORMAT,
    format_version: BACKUP_FORMAT_VERSION,
    created: now,
    source_vault_id: sourceVaultId,
    key_count: contents.keys.length,
    contact_count: contents.contacts.length,
    key_store_count: contents.keyStores.length,
    kdf: newScryptParams(),
  };
  const key = await deriveKeyFromPassphrase(passphrase, header.kdf);
  const payload = { keys: contents.keys, contacts: contents.contacts, key_stores: contents.keyStores };
  const sealed = sealBox(key, Buffer.from(JSON.stringify(payload), 'utf8'), headerAad(header));
  return `${JSON.stringify({ ...header, payload: sealed }, null, 2)}\n`;
}

function invalidContent(): CofferError {
  return new CofferError('COFFER.1010', 'The backup opened, but its content is not valid: it was not written by this Coffer.');
}

/** Opens a backup of either format version; version 1 holds no contacts and no key stores. */
export async function openBackup(text: string, passphrase: string): Promise<BackupContents> {
  let file: z.infer<typeof BackupFileSchema>;
  try {
    file = BackupFileSchema.parse(JSON.parse(text));
  } catch {
    throw new CofferError('COFFER.1010', 'That file is not a Coffer backup (made by `coffer backup`), or it is damaged.');
  }
  const { payload, ...header } = file;
  const key = await deriveKeyFromPassphrase(passphrase, header.kdf);
  const plain = openBox(key, payload, headerAad(header));
  if (!plain) {
    throw new CofferError(
      'COFFER.1010',
      'The backup could not be opened: the backup passphrase is wrong, or the file was changed after it was written.',
    );
  }
  let contents: BackupContents;
  try {
    const json: unknown = JSON.parse(plain.toString('utf8'));
    if (header.format_version === 1) {
      contents = { keys: PayloadV1Schema.parse(json).keys, contacts: [], keyStores: [] };
    } else {
      const v2 = PayloadV2Schema.parse(json);
      contents = { keys: v2.keys, contacts: v2.contacts, keyStores: v2.key_stores };
    }
  } catch {
    throw invalidContent();
  }
  // A token key names its store, which the backup must carry (version 1 never held token keys).
  const storeIds = new Set(contents.keyStores.map((s) => s.key_store_id));
  if (contents.keys.some((k) => k.key_store_id !== undefined && !storeIds.has(k.key_store_id))) throw invalidContent();
  return contents;
}

/** The keys of a backup. */
export async function readBackup(text: string, passphrase: string): Promise<BackupKey[]> {
  return (await openBackup(text, passphrase)).keys;
}
