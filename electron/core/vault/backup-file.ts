import * as z from 'zod';
import { canonicalJson } from './canonical-json.js';
import { CofferError } from '../../../shared/errors.js';
import { openBox, sealBox } from './aes-gcm-box.js';
import { deriveKeyFromPassphrase, newScryptParams, ScryptParamsSchema } from './passphrase-kdf.js';
import { KeyRecordSchema } from './vault-file.js';

/**
 * A backup holds every key and every version with its material in the clear, so the whole
 * payload is sealed with AES-256-GCM under a key from the backup passphrase (scrypt), and the
 * header (format, KDF parameters, source vault, time) is bound to it as associated data.
 */
const BACKUP_FORMAT = 'coffer-backup';

const BackupHeaderSchema = z.strictObject({
  format: z.literal(BACKUP_FORMAT),
  format_version: z.literal(1),
  created: z.number().int().nonnegative(),
  source_vault_id: z.string(),
  key_count: z.number().int().nonnegative(),
  kdf: ScryptParamsSchema,
});
type BackupHeader = z.infer<typeof BackupHeaderSchema>;

const BackupFileSchema = BackupHeaderSchema.extend({ payload: z.string().min(1) });

/** A key as it travels in a backup: its record, with each version's material as plain Base64. */
export const BackupKeySchema = KeyRecordSchema;
export type BackupKey = z.infer<typeof BackupKeySchema>;
const BackupPayloadSchema = z.strictObject({ keys: z.array(BackupKeySchema) });

function headerAad(header: BackupHeader): string {
  return `coffer/backup|${canonicalJson(header)}`;
}

export async function writeBackup(keys: BackupKey[], passphrase: string, sourceVaultId: string, now: number): Promise<string> {
  const header: BackupHeader = {
    format: BACKUP_FORMAT,
    format_version: 1,
    created: now,
    source_vault_id: sourceVaultId,
    key_count: keys.length,
    kdf: newScryptParams(),
  };
  const key = await deriveKeyFromPassphrase(passphrase, header.kdf);
  const payload = sealBox(key, Buffer.from(JSON.stringify({ keys }), 'utf8'), headerAad(header));
  return `${JSON.stringify({ ...header, payload }, null, 2)}\n`;
}

export async function readBackup(text: string, passphrase: string): Promise<BackupKey[]> {
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
  try {
    return BackupPayloadSchema.parse(JSON.parse(plain.toString('utf8'))).keys;
  } catch {
    throw new CofferError('COFFER.1010', 'The backup opened, but its content is not valid: it was not written by this Coffer.');
  }
}
