import { publicKeyFile } from '../core/kms/contact-operations.js';
import * as keyImport from '../core/kms/key-import.js';
import * as keys from '../core/kms/key-operations.js';
import type { DomainHandlers } from './handler-types.js';
import type { SignatureChannel } from './signature-handlers.js';
import type { VaultSession } from './vault-session.js';

/** The CMKs: the KMS key operations, rotation, and importing or exporting material (signing: signature-handlers.ts). */
export function keyHandlers(session: VaultSession): Omit<DomainHandlers<'keys'>, SignatureChannel> {
  const vault = () => session.unlocked();
  return {
    'keys:list': (r) => keys.listKeys(vault(), r),
    'keys:create': (r) => keys.createKey(vault(), r),
    'keys:describe': (r) => keys.describeKey(vault(), r),
    'keys:enable': (r) => keys.enableKey(vault(), r),
    'keys:disable': (r) => keys.disableKey(vault(), r),
    'keys:schedule-deletion': (r) => keys.scheduleKeyDeletion(vault(), r),
    'keys:cancel-deletion': (r) => keys.cancelKeyDeletion(vault(), r),
    'keys:update-alias': (r) => keys.updateKeyAlias(vault(), r),
    'keys:update-description': (r) => keys.updateKeyDescription(vault(), r),
    'keys:enable-rotation': (r) => keys.enableKeyRotation(vault(), r),
    'keys:disable-rotation': (r) => keys.disableKeyRotation(vault(), r),
    'keys:update-rotation-interval': (r) => keys.updateKeyRotationInterval(vault(), r),
    'keys:rotation-status': (r) => keys.getKeyRotationStatus(vault(), r),
    'keys:rotate': (r) => keys.rotateKey(vault(), r),
    'keys:import-parameters': (r) => keyImport.getParametersForImport(vault(), r),
    'keys:import-material': (r) => keyImport.importKeyMaterial(vault(), r),
    'keys:export-material': (r) => keyImport.exportKeyMaterial(vault(), r),
    'keys:public-key-file': (r) => publicKeyFile(vault(), r.key_id),
  };
}
