import { createHmac, randomBytes } from 'node:crypto';
import { CofferError } from '../../../shared/errors.js';
import { deriveSubkey, openBox, sealBox } from './aes-gcm-box.js';
import type { MaterialFactory } from './key-lifecycle.js';

/**
 * The subkeys an open vault derives from its master key (VMK), and the sealing each one does:
 * key material, the vault file's MAC, the audit chain, other secrets and import tokens. One key
 * per purpose, so no box made for one use opens in another.
 */
export class VaultSubkeys {
  readonly mac: Buffer;
  readonly audit: Buffer;
  private readonly material: Buffer;
  private readonly secrets: Buffer;
  private readonly tokens: Buffer;

  constructor(
    vmk: Buffer,
    readonly vaultId: string,
    /** Says where a box that does not authenticate came from, in the refusal. */
    private readonly damaged: (what: string) => string,
  ) {
    this.material = deriveSubkey(vmk, vaultId, 'coffer/cmk-material');
    this.mac = deriveSubkey(vmk, vaultId, 'coffer/vault-mac');
    this.audit = deriveSubkey(vmk, vaultId, 'coffer/audit-log');
    this.secrets = deriveSubkey(vmk, vaultId, 'coffer/vault-secrets');
    this.tokens = deriveSubkey(vmk, vaultId, 'coffer/import-token');
  }

  private materialAad(keyId: string, version: number): string {
    return `coffer/cmk-material|${this.vaultId}|${keyId}|${version}`;
  }

  /** Fresh random material for (key id, version), sealed; the plaintext is wiped at once. */
  readonly newMaterial: MaterialFactory = (keyId, version) => {
    const material = randomBytes(32);
    try {
      return this.sealMaterial(keyId, version, material);
    } finally {
      material.fill(0);
    }
  };

  sealMaterial(keyId: string, version: number, material: Buffer): string {
    return sealBox(this.material, material, this.materialAad(keyId, version));
  }

  openMaterial(keyId: string, version: number, box: string): Buffer {
    const material = openBox(this.material, box, this.materialAad(keyId, version));
    if (!material) {
      throw new CofferError(
        'COFFER.1007',
        this.damaged(`holds key material for ${keyId} v${version} that does not authenticate`),
      );
    }
    return material;
  }

  sealSecret(label: string, secret: Buffer): string {
    return sealBox(this.secrets, secret, `coffer/secret|${this.vaultId}|${label}`);
  }

  openSecret(label: string, box: string): Buffer | null {
    return openBox(this.secrets, box, `coffer/secret|${this.vaultId}|${label}`);
  }

  tokenMac(data: Buffer): Buffer {
    return createHmac('sha256', this.tokens).update(data).digest();
  }
}
