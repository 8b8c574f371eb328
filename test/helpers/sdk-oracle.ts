import { buildClient, CommitmentPolicy, RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node';

/** The official AWS Encryption SDK for JavaScript, the interop tests' oracle, with its strictest policy. */
export const sdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

/** Coffer's EDK name for a vault key's version: "<key id>:v<8 digits>". */
export function cofferKeyName(keyId: string, version = 1): string {
  return `${keyId}:v${String(version).padStart(8, '0')}`;
}

/** The SDK's raw AES keyring over the same 256-bit material a CMK holds, under Coffer's names by default. */
export function sdkAesKeyring(material: Uint8Array, keyName: string, keyNamespace = 'coffer'): RawAesKeyringNode {
  return new RawAesKeyringNode({
    keyName,
    keyNamespace,
    unencryptedMasterKey: new Uint8Array(material),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    utf8Sorting: true,
  });
}
