import type { FileJobRequest } from '../../../shared/file-job.js';
import type { Vault } from '../vault/vault.js';
import type { Keyring } from './keyring.js';
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
}

export interface RequestKeyrings {
  /** Settles once the keys can be used; rejects with the reason they cannot (the job's error). */
  readonly ready: Promise<void>;
  forRequest(request: FileJobRequest): JobKeyrings;
}

export function requestKeyrings(sources: KeySources): RequestKeyrings {
  const opening = Promise.resolve(sources.vault);
  const ready = opening.then(() => undefined);
  ready.catch(() => undefined); // the runner awaits it; this only keeps an early refusal from going unobserved
  return {
    ready,
    forRequest(request) {
      const operation = request.action === 'verify' ? 'verify-file' : 'decrypt-file';
      return {
        encrypt: vaultKeyring(opening, request.key_ids ?? [], 'encrypt-file'),
        decrypt: vaultKeyring(opening, [], operation),
      };
    },
  };
}
