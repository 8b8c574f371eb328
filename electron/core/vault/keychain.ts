import { createRequire } from 'node:module';
import { CofferError } from '../../../shared/errors.js';

/** Where a vault's master key lives when the vault is in keychain mode. */
export interface SecretStore {
  get(service: string, account: string): Promise<string | null>;
  set(service: string, account: string, secret: string): Promise<void>;
  delete(service: string, account: string): Promise<boolean>;
}

export const KEYCHAIN_SERVICE = 'Coffer';

// A locked keyring may wait for a prompt that never comes on a headless machine: give up in time.
const KEYCHAIN_TIMEOUT_MS = 15_000;

const PASSPHRASE_HINT =
  'Unlock or start your keyring (on Linux a Secret Service such as gnome-keyring or KWallet), ' +
  'or use passphrase mode instead: `coffer init --passphrase` for a new vault, ' +
  '`coffer recover --passphrase` for an existing one.';

function unreachable(detail: string): CofferError {
  return new CofferError('COFFER.1003', `The OS keychain could not be reached (${detail}). ${PASSPHRASE_HINT}`);
}

async function withTimeout<T>(operation: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(unreachable(`no answer within ${KEYCHAIN_TIMEOUT_MS / 1000} s; is it locked?`)),
      KEYCHAIN_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([operation, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

type Keytar = typeof import('keytar');

let keytarModule: Promise<Keytar> | undefined;

// Loaded on first use so passphrase mode works even where the native module cannot load.
// keytar is CommonJS: require() loads it from the ES modules and from the CLI's CommonJS bundle,
// which runs from V8's code cache where import() has no module loader.
function loadKeytar(): Promise<Keytar> {
  keytarModule ??= new Promise((resolve) => resolve(createRequire(import.meta.url)('keytar') as Keytar));
  return keytarModule;
}

async function call<T>(run: (keytar: Keytar) => Promise<T>): Promise<T> {
  let keytar: Keytar;
  try {
    keytar = await loadKeytar();
  } catch (error) {
    throw unreachable(`the keytar module could not load: ${(error as Error).message}`);
  }
  try {
    return await withTimeout(run(keytar));
  } catch (error) {
    if (error instanceof CofferError) throw error;
    throw unreachable((error as Error).message || String(error));
  }
}

/** The real OS keychain: Secret Service on Linux, Keychain on macOS, Credential Manager on Windows. */
export const osKeychain: SecretStore = {
  get: (service, account) => call((k) => k.getPassword(service, account)),
  set: (service, account, secret) => call((k) => k.setPassword(service, account, secret)),
  delete: (service, account) => call((k) => k.deletePassword(service, account)),
};
