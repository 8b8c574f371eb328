import { basename } from 'node:path';
import { readPublicKeyFile } from '../core/keyrings/public-key-file.js';
import { readPublicKeyFileText, writePublicKeyFileText } from '../core/keyrings/public-key-file-io.js';
import * as contacts from '../core/kms/contact-operations.js';
import { describeKey } from '../core/kms/key-operations.js';
import type { DomainHandlers } from './handler-types.js';
import type { VaultSession } from './vault-session.js';

/**
 * The OS dialogs for public key files (main passes Electron's; tests pass stand-ins). Each
 * answers a path chosen by the user, or null when the dialog was cancelled; the save dialog has
 * already asked before replacing an existing file.
 */
export interface PublicKeyFileDialogs {
  open(): Promise<string | null>;
  save(suggestedName: string): Promise<string | null>;
}

/** A file name for `alias`'s public key file that every OS accepts. */
export function suggestedPublicKeyFileName(alias: string): string {
  const safe = alias.replace(/[^\p{L}\p{N}._-]+/gu, '-').replace(/^[.-]+/, '') || 'my-key';
  return `${safe}.coffer-public-key`;
}

/**
 * Sharing: the contacts files are encrypted for, and public key files through main's dialogs, so
 * the renderer never names a path (a key's public key file as text is a keys: channel).
 */
export function contactHandlers(session: VaultSession, dialogs?: PublicKeyFileDialogs): DomainHandlers<'contacts'> {
  const vault = () => session.unlocked();
  return {
    'contacts:list': () => contacts.listContacts(vault()),
    'contacts:add': (r) => contacts.addContact(vault(), r),
    'contacts:remove': (r) => contacts.removeContact(vault(), r),
    'contacts:open-key-file': async () => {
      const path = await dialogs?.open();
      if (!path) return { file: null };
      const text = await readPublicKeyFileText(path);
      // Checked now, so a damaged file is named when it is chosen, not when it is added.
      const key = readPublicKeyFile(text);
      return { file: { file_name: basename(path), text, fingerprint: key.fingerprint, key_spec: key.keySpec } };
    },
    'contacts:save-public-key-file': async (r) => {
      // Refused (not an RSA encryption key) before any dialog opens.
      const file = await contacts.publicKeyFile(vault(), r.key_id);
      const { key_info } = await describeKey(vault(), { key_id: file.key_id });
      const path = await dialogs?.save(suggestedPublicKeyFileName(key_info.key_alias));
      if (!path) return { key_id: file.key_id, fingerprint: file.fingerprint, path: null };
      await writePublicKeyFileText(path, file.text, { replace: true });
      return { key_id: file.key_id, fingerprint: file.fingerprint, path };
    },
  };
}
