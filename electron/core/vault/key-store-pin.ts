/**
 * Where a key store's PIN is kept, by name: the vault seals it under this label (passphrase and
 * TPM vaults) or the keychain keeps it under this account (keychain vaults, service "Coffer").
 * Here, below the keyrings, because a restore re-protects the PINs a backup carries.
 */
export function keyStorePinLabel(keyStoreId: string): string {
  return `key-store-pin|${keyStoreId}`;
}

export function keyStorePinAccount(keyStoreId: string): string {
  return `key-store-${keyStoreId}`;
}

/**
 * The account of a PIN that a restore brings into a keychain vault: named after the vault too,
 * since the source vault may share this keychain and keeps its own entry under the plain account.
 */
export function restoredKeyStorePinAccount(keyStoreId: string, vaultId: string): string {
  return `key-store-${keyStoreId}-vault-${vaultId}`;
}
