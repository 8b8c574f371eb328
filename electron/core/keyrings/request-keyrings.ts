import type { FileJobRequest } from '../../../shared/file-job.js';
import type { Vault } from '../vault/vault.js';
import { CofferError } from '../../../shared/errors.js';
import { multiKeyring, type Keyring } from './keyring.js';
import { rsaRecipientsKeyring } from './raw-rsa-keyring.js';
import { vaultKeyring } from './vault-keyring.js';

/**
 * The one place where a file job's key references become keyrings. Today every reference names a
 * vault CMK; a recipient's public key or a key inside a token is a new kind of reference turned
 * into its own keyring here, and the runner, the format code and the faces stay as they are.
 */
export interface KeySources {
  /** The vault, or its opening (a keychain's answer, a passphrase prompt): files are sealed meanwhile. */
  vault: Vault | Promise<Vault>;
}

/** The keyrings of one job: `encrypt` wraps each file's data key, `decrypt` finds it in a header. */
export interface JobKeyrings {
  encrypt: Keyring;
  decrypt: Keyring;
  /** The job is over: key material held for it is wiped. */
  release(): void;
}

export interface RequestKeyrings {
  /** Settles once the keys can be used; rejects with the reason they cannot (the job's error). */
  readonly ready: Promise<void>;
  /** The keyrings for a job of `files` files (each key is used, and audited, once for all of them). */
  forRequest(request: FileJobRequest, files: number): JobKeyrings;
}

/**
 * The contacts a job names, as a raw RSA keyring: read from the opened vault (the runner waits for
 * it when a job has recipients, since their EDK sizes come from their keys). An unknown name stops
 * the job before any file is touched.
 */
function recipientsKeyring(vault: Vault | undefined, names: readonly string[]): Keyring {
  if (!vault) throw new CofferError('COFFER.4002', 'The vault is not open yet: recipients are read from it.');
  const contacts = vault.state.contacts ?? [];
  return rsaRecipientsKeyring(
    names.map((name) => {
      const contact = contacts.find((c) => c.name === name);
      if (!contact) {
        throw new CofferError(
          'COFFER.8005',
          `No contact is named "${name}": add them first with \`coffer add-contact --name ${JSON.stringify(name)} --public-key-file FILE\`` +
            (contacts.length > 0 ? ` (contacts: ${contacts.map((c) => c.name).join(', ')}).` : '.'),
        );
      }
      return {
        label: `contact ${contact.name}`,
        namespace: contact.key_namespace,
        keyName: contact.key_name,
        publicKey: Buffer.from(contact.public_key, 'base64'),
      };
    }),
  );
}

export function requestKeyrings(sources: KeySources): RequestKeyrings {
  const opening = Promise.resolve(sources.vault);
  let opened: Vault | undefined;
  // Registered before `ready`, so the vault is at hand synchronously once `ready` settles.
  opening.then(
    (vault) => (opened = vault),
    () => undefined,
  );
  const ready = opening.then(() => undefined);
  ready.catch(() => undefined); // the runner awaits it; this only keeps an early refusal from going unobserved
  return {
    ready,
    forRequest(request, files) {
      const operation = request.action === 'verify' ? 'verify-file' : 'decrypt-file';
      // The open vault when it is (its records size the headers at once), else its opening.
      const cmks = vaultKeyring(opened ?? opening, request.key_ids ?? [], 'encrypt-file', { files });
      const decrypt = vaultKeyring(opening, [], operation, { files });
      const recipients = request.recipients ?? [];
      return {
        encrypt:
          recipients.length === 0
            ? cmks
            : multiKeyring([...((request.key_ids ?? []).length > 0 ? [cmks] : []), recipientsKeyring(opened, recipients)]),
        decrypt,
        release: () => {
          cmks.release();
          decrypt.release();
        },
      };
    },
  };
}
