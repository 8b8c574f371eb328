import { CofferError } from '../../../shared/errors.js';
import type { EncryptedDataKey } from '../envelope/message-header.js';

/**
 * What the file core asks about keys, and all it asks: wrap a file's data key into encrypted data
 * keys (EDKs) for the header, and get the data key back from a header's EDKs. The runner, the
 * format code and the faces know only this interface, so a new kind of key (a vault CMK, a
 * recipient's RSA public key, a key inside a PKCS#11 token) is a new keyring and nothing else.
 *
 * EDKs follow the ESDK keyring specification: provider id = the keyring's namespace, provider
 * info = its key name (and for raw AES keyrings the GCM parameters), as in
 * framework/raw-aes-keyring.md and raw-rsa-keyring.md.
 */
export interface Keyring {
  /** Says what this keyring is, for errors and audit records ("vault key 1b2c…", "key store hsm1"). */
  readonly description: string;
  /**
   * EDKs of exactly the size wrap() will return, in the same order (their bytes are zero): a
   * header's length is known before any key is used, so a file's body is sealed while its data
   * key is wrapped. A keyring that only decrypts has none. A promise when the sizes wait on the
   * vault's records (a key with another tool's names has EDKs as long as those names).
   */
  readonly placeholders: readonly EncryptedDataKey[] | Promise<readonly EncryptedDataKey[]>;
  /** One or more EDKs for the data key, bound to the serialized encryption context. */
  wrap(dek: Buffer, contextBytes: Buffer): Promise<EncryptedDataKey[]>;
  /**
   * Whether an EDK is one this keyring could open (its provider id and key name are this
   * keyring's), without using any key: a header's EDKs are counted and screened with it first.
   */
  claims(edk: EncryptedDataKey): boolean;
  /**
   * The data key from the first of `edks` that opens. Throws a CofferError that says why none
   * did: no EDK is this keyring's (COFFER.2006), its key is disabled or gone, the header was altered.
   */
  unwrap(edks: readonly EncryptedDataKey[], contextBytes: Buffer): Promise<Buffer>;
  /**
   * Optional: copies of the keys this keyring already holds for the job that a worker may use
   * itself, to open small files whose one EDK is Coffer's raw AES EDK for one of them (the
   * caller wipes the copies). A file so opened is named only after recordLentUses resolves.
   */
  lendKeys?(): LentKey[];
  /** Records each file a worker opened with a lent key (what unwrap would have recorded for it). */
  recordLentUses?(uses: readonly { keyId: string; version: number }[]): Promise<void>;
  /**
   * Optional: copies of the keys wrap() would use, in its order, once this keyring holds them all
   * for the job and wrapping is all they do (raw AES keys whose use was recorded when the job
   * first asked for them); null until then. A worker then wraps each file's data key itself, as
   * wrap() would, under each key's names. The caller wipes the copies.
   */
  lendWrapKeys?(): LentWrapKey[] | null;
  /**
   * Optional: lendWrapKeys once this keyring holds its keys, asking for them now as the job's
   * first wrap() would (the same one record each). Rejects as that wrap() would; null when its
   * keys cannot be lent.
   */
  holdWrapKeys?(): Promise<LentWrapKey[] | null>;
}

/** A key wrap() uses, lent to a worker: its AES material and the raw AES keyring names its EDKs carry. */
export interface LentWrapKey {
  material: Buffer;
  naming: { namespace: string; name: string };
}

/** A CMK version's AES key material, lent to a worker for one message. */
export interface LentKey {
  keyId: string;
  version: number;
  material: Buffer;
}

/** The codes that say a key exists but cannot be used now: the most useful reason to report. */
const USABLE_LATER = new Set(['KMS.0209', 'KMS.0210', 'COFFER.3001']);

/**
 * Several keyrings as one, as the ESDK's multi-keyring: wrapping asks every child (each adds its
 * EDKs, in order), unwrapping asks each child that claims one of the EDKs until one opens. When
 * none does, the most useful refusal is thrown: a key that could work if enabled, then damage,
 * then "no key here".
 */
export function multiKeyring(children: readonly Keyring[]): Keyring {
  return {
    description: children.map((k) => k.description).join(', '),
    placeholders: children.some((k) => k.placeholders instanceof Promise)
      ? Promise.all(children.map((k) => k.placeholders)).then((each) => each.flat())
      : children.flatMap((k) => k.placeholders as readonly EncryptedDataKey[]),
    async wrap(dek, contextBytes) {
      const edks: EncryptedDataKey[] = [];
      for (const child of children) edks.push(...(await child.wrap(dek, contextBytes)));
      return edks;
    },
    claims: (edk) => children.some((k) => k.claims(edk)),
    async unwrap(edks, contextBytes) {
      const refusals: CofferError[] = [];
      for (const child of children) {
        const mine = edks.filter((edk) => child.claims(edk));
        if (mine.length === 0) continue;
        try {
          return await child.unwrap(mine, contextBytes);
        } catch (error) {
          if (!(error instanceof CofferError)) throw error;
          refusals.push(error);
        }
      }
      const best =
        refusals.find((e) => USABLE_LATER.has(e.code)) ?? refusals.find((e) => e.code !== 'COFFER.2006') ?? refusals[0];
      if (best) throw best;
      throw new CofferError(
        'COFFER.2006',
        'No key here can open this file: none of its encrypted data keys names a key this vault, its key stores or its recipients hold.',
      );
    },
  };
}
