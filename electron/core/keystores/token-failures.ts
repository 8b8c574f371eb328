import { CofferError } from '../../../shared/errors.js';
import { pkcs11ReturnName } from './pkcs11-module.js';

const GONE = new Set([
  'CKR_TOKEN_NOT_PRESENT',
  'CKR_DEVICE_REMOVED',
  'CKR_SLOT_ID_INVALID',
  'CKR_SESSION_HANDLE_INVALID',
  'CKR_SESSION_CLOSED',
  'CKR_TOKEN_NOT_RECOGNIZED',
]);
const WRONG_PIN = new Set(['CKR_PIN_INCORRECT', 'CKR_PIN_INVALID', 'CKR_PIN_LEN_RANGE']);

/**
 * A PKCS#11 failure as a CofferError that names the store, what Coffer was doing and what to do.
 * `action` is what was attempted ("log in to the token", "generate a key").
 */
export function tokenFailure(storeName: string, action: string, error: unknown): CofferError {
  if (error instanceof CofferError) return error;
  const name = pkcs11ReturnName(error);
  const detail = name ?? (error instanceof Error ? error.message : String(error));
  if (name && WRONG_PIN.has(name)) {
    return new CofferError(
      'COFFER.9003',
      `Key store ${storeName}: the token refused the PIN (${name}). Coffer tried it once and will not retry on its own, ` +
        'since a token locks itself after a few wrong PINs: check the PIN (in the keychain entry or --pin-file) and try again. Nothing was changed.',
    );
  }
  if (name === 'CKR_PIN_LOCKED') {
    return new CofferError(
      'COFFER.9005',
      `Key store ${storeName}: the token's PIN is locked after too many wrong tries. Unlock it with the token's own tools, then try again.`,
    );
  }
  if (name && GONE.has(name)) {
    return new CofferError(
      'COFFER.9002',
      `Key store ${storeName}: the token went away while Coffer tried to ${action} (${name}). Plug it in again and retry. Nothing was changed.`,
    );
  }
  if (name === 'CKR_DEVICE_MEMORY' || (action === 'generate a key' && name === 'CKR_FUNCTION_FAILED')) {
    // CKR_DEVICE_MEMORY is the standard's "token full"; SoftHSM answers CKR_FUNCTION_FAILED when it cannot store the object.
    return new CofferError(
      'COFFER.9004',
      `Key store ${storeName}: the token could not store a new key (${name}): it is full. ` +
        'Delete keys you no longer need from the token with its own tools, or use another token. Nothing was written to the vault.',
    );
  }
  return new CofferError(
    'COFFER.9010',
    `Key store ${storeName}: the token refused to ${action} (${detail}). Check the token and its module, then try again.`,
  );
}
