import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CofferError } from '../../../shared/errors.js';

type Pkcs11js = typeof import('pkcs11js');
export type Pkcs11 = InstanceType<Pkcs11js['PKCS11']>;

let bindings: Pkcs11js | undefined;

/**
 * pkcs11js, loaded on first use (like keytar): a vault that never uses a key store never loads
 * the native addon, and the CLI's CommonJS bundle can require it from node_modules.
 */
export function pkcs11js(): Pkcs11js {
  bindings ??= createRequire(import.meta.url)('pkcs11js') as Pkcs11js;
  return bindings;
}

/** How a PKCS#11 library is opened; tests pass one that counts the calls made to the real library. */
export type ModuleLoader = (modulePath: string) => Pkcs11;

const loaded = new Map<string, Pkcs11>();

/** The real loader: one loaded library per path for the life of the process (dlopen once). */
export const loadModule: ModuleLoader = (modulePath) => {
  const known = loaded.get(modulePath);
  if (known) return known;
  const module = new (pkcs11js().PKCS11)();
  module.load(modulePath);
  loaded.set(modulePath, module);
  return module;
};

/** Loads the module or says, naming the store, why it cannot be. */
export function openModule(storeName: string, modulePath: string, loader: ModuleLoader): Pkcs11 {
  if (!existsSync(modulePath)) {
    throw new CofferError(
      'COFFER.9001',
      `Key store ${storeName}: the PKCS#11 module ${modulePath} does not exist. Install your token's middleware ` +
        "(softhsm2, opensc, ykcs11, yubihsm-shell or the HSM vendor's client) or give its path with --pkcs11-module.",
    );
  }
  try {
    return loader(modulePath);
  } catch (error) {
    throw new CofferError(
      'COFFER.9001',
      `Key store ${storeName}: ${modulePath} could not be loaded as a PKCS#11 module (${(error as Error).message}). ` +
        'Check that it is the module (.so, .dylib or .dll) of your token and built for this machine.',
    );
  }
}

/** The name of a PKCS#11 return value as pkcs11js reports it ("CKR_PIN_INCORRECT"), or null. */
export function pkcs11ReturnName(error: unknown): string | null {
  if (error instanceof Error && /^CKR_[A-Z0-9_]+$/.test(error.message)) return error.message;
  return null;
}

/**
 * Runs `work` between C_Initialize and C_Finalize. Each use starts afresh, so a token plugged in
 * or pulled out since the last use is seen as it is now (many modules list slots only at
 * initialization). Uses of one module run one after the other: a module is initialized once at a time.
 */
const queues = new Map<string, Promise<unknown>>();

export function withInitializedModule<T>(module: Pkcs11, modulePath: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(modulePath) ?? Promise.resolve();
  const run = previous
    .catch(() => undefined)
    .then(async () => {
      try {
        module.C_Initialize();
      } catch (error) {
        // Another user of the library in this process initialized it first: that is fine.
        if (pkcs11ReturnName(error) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') throw error;
      }
      try {
        return await work();
      } finally {
        try {
          module.C_Finalize();
        } catch {
          // Nothing is left to release.
        }
      }
    });
  queues.set(modulePath, run);
  return run;
}
